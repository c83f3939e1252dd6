package io.rsground.data.synth;

import io.rsground.box.Box;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a referring expression says about its object, as a predicate over the objects of a scene. Class, colour, size
 * class, grid region and "next to an anchor" filter the objects; a superlative then keeps the one object that beats
 * every other remaining object by a clear margin. An expression is unique when {@link #select} returns one object.
 *
 * @param sceneClass the class named (required)
 * @param colour the colour named, or {@code null}
 * @param size the size adjective (small or large), or {@code null}
 * @param region the 3x3 grid cell named, or {@code null}
 * @param superlative the superlative, or {@code null}
 * @param anchor the object this one is next to, as its own unique expression, or {@code null}
 */
public record Referring(SceneClass sceneClass, NamedColour colour, SizeClass size, GridRegion region,
        Superlative superlative, Referring anchor) {

    /** A longest side at least this many times every other one's makes an object "the largest". */
    public static final double SIZE_RATIO = 1.25;
    /** Left-, right-, top- or bottommost means ahead of every other centre by this share of the image side. */
    public static final double POSITION_GAP = 0.06;
    /** "Next to" means a box-to-box gap of at most this share of the image side. */
    public static final double NEAR = 0.05;
    /** The ways expressions say "next to", the first being the plain one. */
    public static final List<String> NEXT_TO_WORDS = List.of("next to", "beside", "near", "close to");

    /** Superlatives an expression may use, with the words written before the class and the clauses after it. */
    public enum Superlative {
        LARGEST(List.of("largest", "biggest"),
                List.of("that is bigger than the others", "that is larger than the others")),
        SMALLEST(List.of("smallest"), List.of("that is smaller than the others", "smaller than the others")),
        LEFTMOST(List.of("leftmost"), List.of("on the far left", "farthest to the left")),
        RIGHTMOST(List.of("rightmost"), List.of("on the far right", "farthest to the right")),
        TOPMOST(List.of("uppermost"), List.of("nearest the top edge", "closest to the top edge")),
        BOTTOMMOST(List.of("lowest"), List.of("nearest the bottom edge", "closest to the bottom edge"));

        private final List<String> prefixes;
        private final List<String> clauses;

        Superlative(List<String> prefixes, List<String> clauses) {
            this.prefixes = prefixes;
            this.clauses = clauses;
        }

        /** @return true for LARGEST and SMALLEST */
        public boolean isSize() {
            return this == LARGEST || this == SMALLEST;
        }

        /** @return the words written before the class ("the leftmost ship"), the first being the plain one */
        public List<String> prefixes() {
            return prefixes;
        }

        /** @return the clauses written after the rest of the expression ("the ship on the far left") */
        public List<String> clauses() {
            return clauses;
        }
    }

    /** Checks the class is given and the size adjective is small or large. */
    public Referring {
        Objects.requireNonNull(sceneClass, "sceneClass");
        if (size == SizeClass.MEDIUM) {
            throw new IllegalArgumentException("expressions say small or large, not medium");
        }
    }

    /** @return an expression naming only the class */
    public static Referring of(SceneClass sceneClass) {
        return new Referring(sceneClass, null, null, null, null, null);
    }

    /** @return a copy naming the colour */
    public Referring withColour(NamedColour c) {
        return new Referring(sceneClass, c, size, region, superlative, anchor);
    }

    /** @return a copy naming the size adjective */
    public Referring withSize(SizeClass s) {
        return new Referring(sceneClass, colour, s, region, superlative, anchor);
    }

    /** @return a copy naming the region */
    public Referring withRegion(GridRegion r) {
        return new Referring(sceneClass, colour, size, r, superlative, anchor);
    }

    /** @return a copy with the superlative */
    public Referring withSuperlative(Superlative s) {
        return new Referring(sceneClass, colour, size, region, s, anchor);
    }

    /** @return a copy that is next to the given anchor */
    public Referring withAnchor(Referring a) {
        return new Referring(sceneClass, colour, size, region, superlative, a);
    }

    /**
     * @param objects every object of the scene
     * @param width image width, pixels
     * @param height image height, pixels
     * @return the objects the expression fits, in scene order
     */
    public List<SceneObject> select(List<SceneObject> objects, int width, int height) {
        double side = Math.min(width, height);
        SceneObject anchorObject = null;
        if (anchor != null) {
            List<SceneObject> a = anchor.select(objects, width, height);
            if (a.size() != 1) {
                return List.of();
            }
            anchorObject = a.get(0);
        }
        List<SceneObject> kept = new ArrayList<>();
        for (SceneObject o : objects) {
            if (o.sceneClass() != sceneClass || o == anchorObject
                    || colour != null && o.colour() != colour
                    || size != null && o.sizeClass() != size
                    || region != null && GridRegion.of(o.centerX(), o.centerY(), width, height) != region
                    || anchorObject != null && gap(o.box(), anchorObject.box()) > NEAR * side) {
                continue;
            }
            kept.add(o);
        }
        if (superlative == null) {
            return kept;
        }
        List<SceneObject> best = new ArrayList<>();
        for (SceneObject o : kept) {
            boolean beatsAll = true;
            for (SceneObject p : kept) {
                if (p != o && !beats(superlative, o, p, side)) {
                    beatsAll = false;
                    break;
                }
            }
            if (beatsAll) {
                best.add(o);
            }
        }
        return best;
    }

    /** @return whether {@code o} beats {@code p} clearly on the superlative's measure */
    static boolean beats(Superlative s, SceneObject o, SceneObject p, double side) {
        double gap = POSITION_GAP * side;
        return switch (s) {
            case LARGEST -> o.length() >= SIZE_RATIO * p.length();
            case SMALLEST -> o.length() * SIZE_RATIO <= p.length();
            case LEFTMOST -> o.centerX() + gap <= p.centerX();
            case RIGHTMOST -> o.centerX() - gap >= p.centerX();
            case TOPMOST -> o.centerY() + gap <= p.centerY();
            case BOTTOMMOST -> o.centerY() - gap >= p.centerY();
        };
    }

    /** @return the distance between two boxes, 0 when they touch or overlap, pixels */
    public static double gap(Box a, Box b) {
        return a.gap(b);
    }
}
