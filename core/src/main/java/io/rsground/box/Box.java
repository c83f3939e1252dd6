package io.rsground.box;

/**
 * An axis-aligned box in corner format: {@code (x1, y1)} is the top-left corner, {@code (x2, y2)}
 * the bottom-right one, in whatever unit the caller uses (pixels, or coordinates normalised to a
 * square). Boxes are immutable; every operation returns a new box.
 *
 * <p>Corners must be finite and ordered ({@code x1 <= x2}, {@code y1 <= y2}); a zero-width or
 * zero-height box is allowed and has area 0. Overlap measures follow DETR's {@code box_ops}: IoU is
 * intersection over union, and the generalized IoU subtracts from it the share of the smallest
 * enclosing box that the union leaves empty.
 *
 * @param x1 left edge
 * @param y1 top edge
 * @param x2 right edge, {@code >= x1}
 * @param y2 bottom edge, {@code >= y1}
 */
public record Box(double x1, double y1, double x2, double y2) {

    /** Checks that the corners are finite and ordered. */
    public Box {
        if (!Double.isFinite(x1) || !Double.isFinite(y1) || !Double.isFinite(x2) || !Double.isFinite(y2)) {
            throw new IllegalArgumentException("box corners must be finite, got " + describe(x1, y1, x2, y2));
        }
        if (x2 < x1 || y2 < y1) {
            throw new IllegalArgumentException(
                    "box corners must satisfy x1 <= x2 and y1 <= y2, got " + describe(x1, y1, x2, y2));
        }
    }

    /**
     * @param x1 left edge
     * @param y1 top edge
     * @param x2 right edge, {@code >= x1}
     * @param y2 bottom edge, {@code >= y1}
     * @return the box with these corners
     */
    public static Box fromXyxy(double x1, double y1, double x2, double y2) {
        return new Box(x1, y1, x2, y2);
    }

    /**
     * @param xyxy 4 values: x1, y1, x2, y2 (corner format)
     * @return the box with these corners
     */
    public static Box fromXyxy(double[] xyxy) {
        requireFour(xyxy, "x1,y1,x2,y2");
        return new Box(xyxy[0], xyxy[1], xyxy[2], xyxy[3]);
    }

    /**
     * @param cx centre x
     * @param cy centre y
     * @param w width, {@code >= 0}
     * @param h height, {@code >= 0}
     * @return the box centred at {@code (cx, cy)} with that size
     */
    public static Box fromCxcywh(double cx, double cy, double w, double h) {
        if (w < 0 || h < 0) {
            throw new IllegalArgumentException("box width and height must be >= 0, got cx,cy,w,h = "
                    + cx + ", " + cy + ", " + w + ", " + h);
        }
        return new Box(cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h);
    }

    /**
     * @param cxcywh 4 values: centre x, centre y, width, height
     * @return the box centred at {@code (cx, cy)} with that size
     */
    public static Box fromCxcywh(double[] cxcywh) {
        requireFour(cxcywh, "cx,cy,w,h");
        return fromCxcywh(cxcywh[0], cxcywh[1], cxcywh[2], cxcywh[3]);
    }

    /** @return {@code x2 - x1} */
    public double width() {
        return x2 - x1;
    }

    /** @return {@code y2 - y1} */
    public double height() {
        return y2 - y1;
    }

    /** @return the centre's x, {@code (x1 + x2) / 2} */
    public double cx() {
        return 0.5 * (x1 + x2);
    }

    /** @return the centre's y, {@code (y1 + y2) / 2} */
    public double cy() {
        return 0.5 * (y1 + y2);
    }

    /** @return 4 values x1, y1, x2, y2 (corner format) */
    public double[] toXyxy() {
        return new double[] {x1, y1, x2, y2};
    }

    /** @return 4 values cx, cy, w, h (centre format) */
    public double[] toCxcywh() {
        return new double[] {cx(), cy(), width(), height()};
    }

    /** @return width times height (0 for a degenerate box) */
    public double area() {
        return width() * height();
    }

    /**
     * @param other another box in the same unit
     * @return the area both boxes cover (0 when they are disjoint or only touch)
     */
    public double intersection(Box other) {
        double w = Math.min(x2, other.x2) - Math.max(x1, other.x1);
        double h = Math.min(y2, other.y2) - Math.max(y1, other.y1);
        return w > 0 && h > 0 ? w * h : 0.0;
    }

    /**
     * @param other another box in the same unit
     * @return the area covered by either box: {@code area + other.area - intersection}
     */
    public double union(Box other) {
        return area() + other.area() - intersection(other);
    }

    /**
     * @param other another box in the same unit
     * @return the smallest box holding both
     */
    public Box enclosing(Box other) {
        return new Box(Math.min(x1, other.x1), Math.min(y1, other.y1),
                Math.max(x2, other.x2), Math.max(y2, other.y2));
    }

    /**
     * Intersection over union.
     *
     * @param other another box in the same unit
     * @return IoU in [0, 1]; 0 when the union is empty (two zero-area boxes), where DETR would
     *     give NaN
     */
    public double iou(Box other) {
        double union = union(other);
        return union > 0 ? intersection(other) / union : 0.0;
    }

    /**
     * Generalized IoU as DETR defines it: {@code IoU - (C - U) / C}, with U the union area and C
     * the area of the smallest enclosing box.
     *
     * @param other another box in the same unit
     * @return GIoU in [-1, 1]; when the enclosing box has no area (both boxes degenerate on one
     *     line) the penalty term is taken as 0, so the result is the IoU (DETR would give NaN)
     */
    public double giou(Box other) {
        double inter = intersection(other);
        double union = area() + other.area() - inter;
        double iou = union > 0 ? inter / union : 0.0;
        double hull = enclosing(other).area();
        return hull > 0 ? iou - (hull - union) / hull : iou;
    }

    /**
     * @param other another box in the same unit
     * @return the shortest distance between the two boxes' edges, 0 when they touch or overlap
     */
    public double gap(Box other) {
        double dx = Math.max(0, Math.max(x1 - other.x2, other.x1 - x2));
        double dy = Math.max(0, Math.max(y1 - other.y2, other.y1 - y2));
        return Math.hypot(dx, dy);
    }

    /**
     * Clamps every corner into a rectangle (a box wholly outside it collapses onto its edge).
     *
     * @param minX left edge of the rectangle
     * @param minY top edge
     * @param maxX right edge, {@code >= minX}
     * @param maxY bottom edge, {@code >= minY}
     * @return the box clipped to the rectangle
     */
    public Box clamp(double minX, double minY, double maxX, double maxY) {
        if (maxX < minX || maxY < minY) {
            throw new IllegalArgumentException("clamp rectangle must satisfy minX <= maxX and minY <= maxY, got "
                    + describe(minX, minY, maxX, maxY));
        }
        return new Box(clip(x1, minX, maxX), clip(y1, minY, maxY), clip(x2, minX, maxX), clip(y2, minY, maxY));
    }

    /**
     * Multiplies every coordinate (about the origin), e.g. to follow an image resize.
     *
     * @param sx factor for x, {@code >= 0}
     * @param sy factor for y, {@code >= 0}
     * @return the scaled box
     */
    public Box scale(double sx, double sy) {
        if (!(sx >= 0) || !(sy >= 0)) {
            throw new IllegalArgumentException("scale factors must be >= 0, got sx=" + sx + ", sy=" + sy);
        }
        return new Box(x1 * sx, y1 * sy, x2 * sx, y2 * sy);
    }

    /**
     * @param dx shift along x
     * @param dy shift along y
     * @return the box moved by {@code (dx, dy)}
     */
    public Box translate(double dx, double dy) {
        return new Box(x1 + dx, y1 + dy, x2 + dx, y2 + dy);
    }

    private static double clip(double v, double lo, double hi) {
        return v < lo ? lo : Math.min(v, hi);
    }

    private static void requireFour(double[] values, String what) {
        if (values == null || values.length != 4) {
            throw new IllegalArgumentException("expected 4 values " + what + ", got "
                    + (values == null ? "null" : values.length + " values"));
        }
    }

    private static String describe(double a, double b, double c, double d) {
        return "(" + a + ", " + b + ", " + c + ", " + d + ")";
    }
}
