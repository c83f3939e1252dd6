package io.rsground.data.pseudo;

import io.rsground.box.Box;
import io.rsground.data.pseudo.PseudoExpression.Direction;

/**
 * What the words of a pseudo-expression mean, as measures on boxes (corner format {@code x1,y1,x2,y2}, pixels).
 * An expression fits an object of its class when every attribute holds: its colour is the measured colour; "largest"
 * ("smallest") means a size at least {@link #SIZE_RATIO} times (at most 1 / {@link #SIZE_RATIO} of) every other
 * object fitting the rest of the expression; "leftmost" (rightmost, uppermost, lowest) means a box centre at least
 * {@link #POSITION_GAP} of the image's shorter side left of (right of, above, below) every other fitting object's
 * centre; a region means the box centre lies in that cell of a 3x3 grid; "next
 * to" the anchor means a box gap of at most {@link #NEAR} of the image's shorter side; "to the left of" (right,
 * above, below) means a gap of at most {@link #REACH} of that side and a centre offset from the anchor's centre
 * mostly along that direction. Planning asks for clear margins beyond these ({@link PseudoPlanner}).
 */
public final class PseudoRules {

    /** "Largest" beats every other fitting object's size by this factor. */
    public static final double SIZE_RATIO = 1.25;
    /** "Leftmost" and the like: the centre leads every other fitting one's by this share of the shorter side. */
    public static final double POSITION_GAP = 0.06;
    /** "Next to": box gap at most this share of the image's shorter side. */
    public static final double NEAR = 0.05;
    /** A direction ("to the left of"...): box gap at most this share of the image's shorter side. */
    public static final double REACH = 0.25;

    private PseudoRules() {
    }

    /**
     * @param box a box, pixels
     * @return its size as the square root of its area, pixels (a rotated object's box side misleads)
     */
    public static double size(Box box) {
        return Math.sqrt(box.area());
    }

    /**
     * @param d a direction other than {@link Direction#NEXT_TO}
     * @param box the object's box
     * @param anchor the anchor's box
     * @return whether the object's centre lies from the anchor's mostly in that direction (y points down)
     */
    public static boolean lies(Direction d, Box box, Box anchor) {
        double dx = box.cx() - anchor.cx();
        double dy = box.cy() - anchor.cy();
        return switch (d) {
            case LEFT_OF -> dx < 0 && -dx >= Math.abs(dy);
            case RIGHT_OF -> dx > 0 && dx >= Math.abs(dy);
            case ABOVE -> dy < 0 && -dy >= Math.abs(dx);
            case BELOW -> dy > 0 && dy >= Math.abs(dx);
            case NEXT_TO -> true;
        };
    }
}
