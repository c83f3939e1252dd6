package io.rsground.data.pseudo;

import io.rsground.box.Box;
import io.rsground.data.pseudo.PseudoExpression.Direction;
import io.rsground.data.pseudo.PseudoExpression.Extreme;
import io.rsground.data.pseudo.PseudoExpression.Source;
import io.rsground.data.pseudo.PseudoExpression.Wording;
import io.rsground.data.synth.GridRegion;
import io.rsground.data.synth.NamedColour;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Finds, for one object among the annotated objects of its image, an expression of each source that singles it out.
 * A candidate is kept only when the object fits it and no other annotated object could be taken to fit it: rivals
 * are judged with margins (a neighbouring or unmeasured colour, a centre near the named cell, a size within
 * {@link #SIZE_MARGIN}, a centre within {@link #POSITION_MARGIN} for leftmost and the like, twice the reach of a
 * relation), as the synthetic generator's planner does, so that what a reader sees agrees with what the rules in
 * {@link PseudoRules} accept.
 */
final class PseudoPlanner {

    /** A superlative is written when the object's size beats every rival's by this factor. */
    static final double SIZE_MARGIN = 1.35;
    /** "Leftmost" (and the like) is written when the centre leads every rival's by this share of the image side. */
    static final double POSITION_MARGIN = 2 * PseudoRules.POSITION_GAP;
    /** A region is written when the centre lies this share of the image side away from the cell's inner borders. */
    static final double REGION_MARGIN = 0.045;
    /** A direction is written when the centre offset along one axis is this many times the other. */
    static final double DIRECTION_CLEAR = 1.5;

    private PseudoPlanner() {
    }

    /**
     * One annotated object as planning sees it.
     *
     * @param index its number in the image, from 0
     * @param className its class label
     * @param box corner box {@code x1,y1,x2,y2}, pixels, inside the image
     * @param colour its measured colour, or {@code null} when not measured or not clear
     * @param score the detector's confidence in it, 1 for an annotated object
     */
    record Item(int index, String className, Box box, ColourMeter.Measured colour, double score) {
        /** @return the measured colour's name, or {@code null} */
        NamedColour named() {
            return colour == null ? null : colour.colour();
        }
    }

    /**
     * The outcome for one object and one source.
     *
     * @param expression the expression, or {@code null} when none singles the object out
     * @param skipped why there is none, or {@code null}
     */
    record Outcome(PseudoExpression expression, SkipReason skipped) {
    }

    /**
     * @param rng the image's random source: picks among the unique candidates, and draws the varied wording
     * @param wording plain, or varied (which also allows the superlatives of position)
     */
    static Outcome template(Item o, List<Item> all, int width, int height, SplittableRandom rng, Wording wording) {
        List<PseudoExpression> c = templateCandidates(o, all, width, height, wording == Wording.VARIED);
        if (c.isEmpty()) {
            return new Outcome(null, o.colour() == null ? SkipReason.TEMPLATE_NO_COLOUR : SkipReason.TEMPLATE_AMBIGUOUS);
        }
        return new Outcome(worded(c.get(rng.nextInt(c.size())), rng, wording), null);
    }

    /** @return the expression with a varied wording drawn from {@code rng} (never 0, the plain one), or as it is */
    private static PseudoExpression worded(PseudoExpression e, SplittableRandom rng, Wording wording) {
        return wording == Wording.VARIED ? e.withWording(rng.nextLong() | 1) : e;
    }

    private static List<PseudoExpression> templateCandidates(Item o, List<Item> all, int width, int height,
            boolean positions) {
        PseudoExpression base = PseudoExpression.of(Source.TEMPLATE, o.className());
        List<PseudoExpression> c = new ArrayList<>();
        List<Item> peers = all.stream().filter(p -> p != o && p.className().equals(o.className())).toList();
        double margin = REGION_MARGIN * Math.min(width, height);
        GridRegion region = GridRegion.clearlyOf(o.box().cx(), o.box().cy(), width, height, margin);
        if (peers.isEmpty()) {
            c.add(base);
            c.add(base); // a lone object is named by its class most often, as in DIOR-RSVG
        }
        List<Item> sameColour = o.colour() == null ? peers
                : peers.stream().filter(p -> ColourMeter.confusable(o.colour().colour(), p.named())).toList();
        if (o.colour() != null && sameColour.isEmpty()) {
            c.add(base.withColour(o.colour()));
        }
        if (region != null && peers.stream().noneMatch(p -> nearRegion(p, region, width, height, margin))) {
            c.add(base.withRegion(region));
        }
        double side = Math.min(width, height);
        for (Extreme e : Extreme.values()) {
            if ((e.isSize() || positions) && !peers.isEmpty() && peers.stream().allMatch(p -> clearlyBeats(e, o, p,
                    side))) {
                c.add(base.withExtreme(e));
            }
        }
        if (o.colour() != null && !sameColour.isEmpty() && sameColour.size() < peers.size()) {
            PseudoExpression coloured = base.withColour(o.colour());
            if (region != null && sameColour.stream().noneMatch(p -> nearRegion(p, region, width, height, margin))) {
                c.add(coloured.withRegion(region));
            }
            for (Extreme e : Extreme.values()) {
                if (e.isSize() && sameColour.stream().allMatch(p -> clearlyBeats(e, o, p, side))) {
                    c.add(coloured.withExtreme(e));
                }
            }
        }
        return c;
    }

    private static boolean nearRegion(Item p, GridRegion region, int width, int height, double margin) {
        return GridRegion.near(p.box().cx(), p.box().cy(), region, width, height, margin);
    }

    private static boolean clearlyBeats(Extreme e, Item o, Item p, double side) {
        double so = PseudoRules.size(o.box());
        double sp = PseudoRules.size(p.box());
        double lead = POSITION_MARGIN * side;
        return switch (e) {
            case LARGEST -> so >= SIZE_MARGIN * sp;
            case SMALLEST -> so * SIZE_MARGIN <= sp;
            case LEFTMOST -> o.box().cx() + lead <= p.box().cx();
            case RIGHTMOST -> o.box().cx() - lead >= p.box().cx();
            case TOPMOST -> o.box().cy() + lead <= p.box().cy();
            case BOTTOMMOST -> o.box().cy() - lead >= p.box().cy();
        };
    }

    /**
     * "The CLASS DIRECTION the ANCHOR": the anchor is the nearest object of another class (by box gap) that can be
     * named alone (by its class, by class and colour, or as the largest or smallest of its class) and from which the
     * object lies in a clear direction with no object of its class as near on that side; objects of other classes
     * are tried in order of their gap up to the reach. The reason given for a skip is the nearest one's.
     *
     * @param rng the image's random source, drawn from for a varied wording only
     */
    static Outcome relation(Item o, List<Item> all, int width, int height, SplittableRandom rng, Wording wording) {
        double side = Math.min(width, height);
        List<Item> others = all.stream().filter(p -> !p.className().equals(o.className()))
                .sorted(Comparator.comparingDouble((Item p) -> o.box().gap(p.box()))
                        .thenComparingInt(Item::index))
                .toList();
        if (others.isEmpty()) {
            return new Outcome(null, SkipReason.RELATION_NO_OTHER_CLASS);
        }
        SkipReason first = null;
        for (Item a : others) {
            double gap = o.box().gap(a.box());
            if (gap > PseudoRules.REACH * side) {
                break;
            }
            Outcome r = relationTo(o, a, gap, all, side);
            if (r.expression() != null) {
                return new Outcome(worded(r.expression(), rng, wording), null);
            }
            first = first == null ? r.skipped() : first;
        }
        return new Outcome(null, first == null ? SkipReason.RELATION_TOO_FAR : first);
    }

    private static Outcome relationTo(Item o, Item a, double gap, List<Item> all, double side) {
        PseudoExpression anchor = anchorExpression(a, all, side);
        if (anchor == null) {
            return new Outcome(null, SkipReason.RELATION_ANCHOR_AMBIGUOUS);
        }
        Direction d = direction(o.box(), a.box(), gap, side);
        if (d == null) {
            return new Outcome(null, SkipReason.RELATION_UNCLEAR);
        }
        double reach = 2 * (d == Direction.NEXT_TO ? PseudoRules.NEAR : PseudoRules.REACH) * side;
        boolean rival = all.stream().anyMatch(p -> p != o && p.className().equals(o.className())
                && p.box().gap(a.box()) <= reach && (d == Direction.NEXT_TO || PseudoRules.lies(d, p.box(), a.box())));
        if (rival) {
            return new Outcome(null, SkipReason.RELATION_RIVAL);
        }
        return new Outcome(PseudoExpression.of(Source.RELATION, o.className()).withAnchor(d, anchor), null);
    }

    /**
     * @return the anchor by class alone, else by class and colour, else as the largest or smallest of its class,
     *     when no other object could be taken for it; {@code null} when none of these names it alone
     */
    private static PseudoExpression anchorExpression(Item a, List<Item> all, double side) {
        List<Item> sameClass = all.stream().filter(p -> p != a && p.className().equals(a.className())).toList();
        PseudoExpression base = PseudoExpression.of(Source.RELATION, a.className());
        if (sameClass.isEmpty()) {
            return base;
        }
        if (a.colour() != null && sameClass.stream().noneMatch(p -> ColourMeter.confusable(a.named(), p.named()))) {
            return base.withColour(a.colour());
        }
        for (Extreme e : Extreme.values()) {
            if (e.isSize() && sameClass.stream().allMatch(p -> clearlyBeats(e, a, p, side))) {
                return base.withExtreme(e);
            }
        }
        return null;
    }

    /** @return a clear direction, "next to" for boxes that touch or lie close without one, or {@code null} */
    private static Direction direction(Box o, Box a, double gap, double side) {
        double dx = o.cx() - a.cx();
        double dy = o.cy() - a.cy();
        if (gap > 0 && Math.abs(dx) >= DIRECTION_CLEAR * Math.abs(dy)) {
            return dx < 0 ? Direction.LEFT_OF : Direction.RIGHT_OF;
        }
        if (gap > 0 && Math.abs(dy) >= DIRECTION_CLEAR * Math.abs(dx)) {
            return dy < 0 ? Direction.ABOVE : Direction.BELOW;
        }
        return gap <= PseudoRules.NEAR * side ? Direction.NEXT_TO : null;
    }
}
