package io.rsground.data.synth;

import io.rsground.data.synth.Referring.Superlative;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Finds, for each object of a scene, an expression that singles it out among the objects of its class. Candidates:
 * the class alone (when the object is the only one), its colour, its size (adjective or superlative), its grid region,
 * its position relative to the others (leftmost...), colour with region or with size, and "next to" an object of
 * another class. Generation asks for clearer margins than the {@link Referring} predicates, so that what the
 * predicate accepts a person also sees. A candidate is kept only when its predicate selects exactly its object; an
 * object without any candidate gets no expression.
 */
final class ReferringPlanner {

    /** Garnish: the probability of adding one more true attribute to a unique expression. */
    static final double GARNISH = 0.35;
    /** A region is named only when the centre is this share of the image side away from inner cell borders. */
    static final double REGION_MARGIN = 0.045;

    private ReferringPlanner() {
    }

    /**
     * @param objects the scene's objects, without expressions
     * @param width image width, pixels
     * @param height image height, pixels
     * @param rng the scene's random source
     * @return the same objects, in the same order, each with an expression where one singles it out
     */
    static List<SceneObject> plan(List<SceneObject> objects, int width, int height, SplittableRandom rng) {
        List<SceneObject> out = new ArrayList<>(objects.size());
        for (SceneObject o : objects) {
            List<Referring> candidates = candidates(o, objects, width, height);
            candidates.removeIf(r -> !selectsOnly(r, o, objects, width, height));
            if (candidates.isEmpty()) {
                out.add(o);
                continue;
            }
            Referring chosen = candidates.get(rng.nextInt(candidates.size()));
            if (rng.nextDouble() < GARNISH) {
                Referring garnished = garnish(chosen, o, objects, width, height, rng);
                if (selectsOnly(garnished, o, objects, width, height)) {
                    chosen = garnished;
                }
            }
            out.add(o.withDescription(chosen, ExpressionWriter.write(chosen, rng)));
        }
        return out;
    }

    static boolean selectsOnly(Referring r, SceneObject o, List<SceneObject> all, int width, int height) {
        List<SceneObject> hit = r.select(all, width, height);
        return hit.size() == 1 && hit.get(0) == o;
    }

    private static List<Referring> candidates(SceneObject o, List<SceneObject> all, int width, int height) {
        double side = Math.min(width, height);
        Referring base = Referring.of(o.sceneClass());
        List<SceneObject> peers = new ArrayList<>();
        for (SceneObject p : all) {
            if (p != o && p.sceneClass() == o.sceneClass()) {
                peers.add(p);
            }
        }
        List<Referring> c = new ArrayList<>();
        if (peers.isEmpty()) {
            c.add(base);
            c.add(base); // the plain class name is what DIOR-RSVG says most for a lone object
            return c;
        }
        boolean colourUnique = peers.stream().noneMatch(p -> p.colour() == o.colour());
        if (colourUnique) {
            c.add(base.withColour(o.colour()));
        }
        if (o.sizeClass() == SizeClass.LARGE
                && peers.stream().allMatch(p -> p.sizeClass() != SizeClass.LARGE && p.length() * 1.3 <= o.length())) {
            c.add(base.withSize(SizeClass.LARGE));
        }
        if (o.sizeClass() == SizeClass.SMALL
                && peers.stream().allMatch(p -> p.sizeClass() != SizeClass.SMALL && p.length() >= 1.3 * o.length())) {
            c.add(base.withSize(SizeClass.SMALL));
        }
        for (Superlative s : Superlative.values()) {
            if (peers.stream().allMatch(p -> clearlyBeats(s, o, p, side))) {
                c.add(base.withSuperlative(s));
            }
        }
        GridRegion region = safeRegion(o, width, height);
        if (region != null && peers.stream().noneMatch(p -> near(p, region, width, height))) {
            c.add(base.withRegion(region));
        }
        List<SceneObject> sameColour = peers.stream().filter(p -> p.colour() == o.colour()).toList();
        if (!colourUnique) {
            Referring coloured = base.withColour(o.colour());
            if (region != null && sameColour.stream().noneMatch(p -> near(p, region, width, height))) {
                c.add(coloured.withRegion(region));
            }
            for (Superlative s : new Superlative[] {Superlative.LARGEST, Superlative.SMALLEST}) {
                if (sameColour.stream().allMatch(p -> clearlyBeats(s, o, p, side))) {
                    c.add(coloured.withSuperlative(s));
                }
            }
        }
        Referring relation = nextTo(o, peers, all, width, height);
        if (relation != null) {
            c.add(relation);
        }
        return c;
    }

    /** Margins for generation, stricter than the predicate's. */
    private static boolean clearlyBeats(Superlative s, SceneObject o, SceneObject p, double side) {
        if (s.isSize()) {
            return s == Superlative.LARGEST ? o.length() >= 1.35 * p.length() : o.length() * 1.35 <= p.length();
        }
        double gap = 2 * Referring.POSITION_GAP * side;
        return switch (s) {
            case LEFTMOST -> o.centerX() + gap <= p.centerX();
            case RIGHTMOST -> o.centerX() - gap >= p.centerX();
            case TOPMOST -> o.centerY() + gap <= p.centerY();
            default -> o.centerY() - gap >= p.centerY();
        };
    }

    /** @return the object's grid cell when its centre is well inside it, else {@code null} */
    private static GridRegion safeRegion(SceneObject o, int width, int height) {
        return GridRegion.clearlyOf(o.centerX(), o.centerY(), width, height, REGION_MARGIN * Math.min(width, height));
    }

    /** @return whether the object's centre is in the region or close to it */
    private static boolean near(SceneObject p, GridRegion region, int width, int height) {
        return GridRegion.near(p.centerX(), p.centerY(), region, width, height, REGION_MARGIN * Math.min(width, height));
    }

    /** @return "the X next to the (colour) Y" when exactly this peer is close to a nameable Y, else {@code null} */
    private static Referring nextTo(SceneObject o, List<SceneObject> peers, List<SceneObject> all, int width,
            int height) {
        double near = Referring.NEAR * Math.min(width, height);
        Referring best = null;
        double bestGap = Double.POSITIVE_INFINITY;
        for (SceneObject a : all) {
            if (a.sceneClass() == o.sceneClass()) {
                continue;
            }
            double g = Referring.gap(o.box(), a.box());
            if (g > 0.8 * near || g >= bestGap) {
                continue;
            }
            if (peers.stream().anyMatch(p -> Referring.gap(p.box(), a.box()) <= 2 * near)) {
                continue;
            }
            Referring anchor = Referring.of(a.sceneClass());
            if (!selectsOnly(anchor, a, all, width, height)) {
                anchor = anchor.withColour(a.colour());
                if (!selectsOnly(anchor, a, all, width, height)) {
                    continue;
                }
            }
            best = Referring.of(o.sceneClass()).withAnchor(anchor);
            bestGap = g;
        }
        return best;
    }

    /** Adds one more attribute that is true of the object (colour, region or size adjective), when one fits. */
    private static Referring garnish(Referring r, SceneObject o, List<SceneObject> all, int width, int height,
            SplittableRandom rng) {
        List<Referring> options = new ArrayList<>();
        if (r.colour() == null) {
            options.add(r.withColour(o.colour()));
        }
        GridRegion region = safeRegion(o, width, height);
        if (r.region() == null && region != null) {
            options.add(r.withRegion(region));
        }
        boolean sizeSuperlative = r.superlative() != null && r.superlative().isSize();
        if (r.size() == null && !sizeSuperlative && o.sizeClass() != SizeClass.MEDIUM) {
            options.add(r.withSize(o.sizeClass()));
        }
        return options.isEmpty() ? r : options.get(rng.nextInt(options.size()));
    }
}
