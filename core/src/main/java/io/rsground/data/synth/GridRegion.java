package io.rsground.data.synth;

import java.util.List;

/** The nine cells of a 3x3 grid over the image, with the phrases expressions use for them. */
public enum GridRegion {
    UPPER_LEFT(0, 0, "on the upper left", "in the upper left corner", "at the top left"),
    TOP(1, 0, "at the top", "in the upper part", "at the top of the image"),
    UPPER_RIGHT(2, 0, "on the upper right", "in the upper right corner", "at the top right"),
    LEFT(0, 1, "on the left", "on the left side", "at the left edge"),
    MIDDLE(1, 1, "in the middle", "in the center", "in the middle of the image"),
    RIGHT(2, 1, "on the right", "on the right side", "at the right edge"),
    LOWER_LEFT(0, 2, "on the lower left", "in the lower left corner", "at the bottom left"),
    BOTTOM(1, 2, "at the bottom", "in the lower part", "at the bottom of the image"),
    LOWER_RIGHT(2, 2, "on the lower right", "in the lower right corner", "at the bottom right");

    private final int column;
    private final int row;
    private final List<String> phrases;

    GridRegion(int column, int row, String... phrases) {
        this.column = column;
        this.row = row;
        this.phrases = List.of(phrases);
    }

    /** @return the grid column, 0 (left) to 2 (right) */
    public int column() {
        return column;
    }

    /** @return the grid row, 0 (top) to 2 (bottom) */
    public int row() {
        return row;
    }

    /** @return the ways expressions say "in this cell", the first being the plain one */
    public List<String> phrases() {
        return phrases;
    }

    /**
     * @param x horizontal position, pixels
     * @param y vertical position, pixels
     * @param width image width, pixels
     * @param height image height, pixels
     * @return the cell holding the point
     */
    public static GridRegion of(double x, double y, int width, int height) {
        int c = Math.min(2, Math.max(0, (int) Math.floor(3 * x / width)));
        int r = Math.min(2, Math.max(0, (int) Math.floor(3 * y / height)));
        for (GridRegion g : values()) {
            if (g.column == c && g.row == r) {
                return g;
            }
        }
        throw new AssertionError();
    }

    /**
     * @param x horizontal position, pixels
     * @param y vertical position, pixels
     * @param width image width, pixels
     * @param height image height, pixels
     * @return the distance from the point to the nearest border of its cell that is not an image edge, pixels
     *     (infinite for a point whose cell has no inner border, which a 3x3 grid never has)
     */
    public static double distanceToInnerBorder(double x, double y, int width, int height) {
        double best = Double.POSITIVE_INFINITY;
        for (int k = 1; k <= 2; k++) {
            best = Math.min(best, Math.abs(x - k * width / 3.0));
            best = Math.min(best, Math.abs(y - k * height / 3.0));
        }
        return best;
    }

    /**
     * A cell a person sees a point in without doubt: the point's centre lies at least {@code margin} from every inner
     * border of its cell.
     *
     * @param x horizontal position, pixels
     * @param y vertical position, pixels
     * @param width image width, pixels
     * @param height image height, pixels
     * @param margin required distance from the inner borders, pixels
     * @return the point's cell, or {@code null} when the point lies within {@code margin} of an inner border
     */
    public static GridRegion clearlyOf(double x, double y, int width, int height, double margin) {
        return distanceToInnerBorder(x, y, width, height) < margin ? null : of(x, y, width, height);
    }

    /**
     * Whether a point could be taken for lying in a cell: it lies in the cell, or within {@code margin} of the cell
     * across an inner border.
     *
     * @param x horizontal position, pixels
     * @param y vertical position, pixels
     * @param region the cell
     * @param width image width, pixels
     * @param height image height, pixels
     * @param margin how far across a border still counts, pixels
     * @return true when the point is in or near the cell
     */
    public static boolean near(double x, double y, GridRegion region, int width, int height, double margin) {
        if (of(x, y, width, height) == region) {
            return true;
        }
        if (distanceToInnerBorder(x, y, width, height) >= margin) {
            return false;
        }
        for (double dx : new double[] {-margin, 0, margin}) {
            for (double dy : new double[] {-margin, 0, margin}) {
                if (of(x + dx, y + dy, width, height) == region) {
                    return true;
                }
            }
        }
        return false;
    }
}
