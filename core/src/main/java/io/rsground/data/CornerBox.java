package io.rsground.data;

/**
 * An axis-aligned box in corner format {@code (x1, y1, x2, y2)}, in pixels of the original image, with
 * {@code x1 < x2} and {@code y1 < y2}. The data package keeps its own small box type; it maps one to one onto
 * the project's general box type (corner format, pixels) when the two packages meet.
 *
 * @param x1 left edge, pixels
 * @param y1 top edge, pixels
 * @param x2 right edge, pixels
 * @param y2 bottom edge, pixels
 */
public record CornerBox(double x1, double y1, double x2, double y2) {

    /** Checks that the corners are finite and ordered. */
    public CornerBox {
        if (!(Double.isFinite(x1) && Double.isFinite(y1) && Double.isFinite(x2) && Double.isFinite(y2))) {
            throw new IllegalArgumentException("box corners must be finite: " + x1 + ", " + y1 + ", " + x2 + ", " + y2);
        }
        if (x2 <= x1 || y2 <= y1) {
            throw new IllegalArgumentException(
                    "degenerate box: need x1 < x2 and y1 < y2, got " + x1 + ", " + y1 + ", " + x2 + ", " + y2);
        }
    }

    /** @return {@code x2 - x1}, pixels */
    public double width() {
        return x2 - x1;
    }

    /** @return {@code y2 - y1}, pixels */
    public double height() {
        return y2 - y1;
    }

    /** @return width times height, square pixels */
    public double area() {
        return width() * height();
    }

    /** @return the horizontal centre, pixels */
    public double centerX() {
        return (x1 + x2) / 2;
    }

    /** @return the vertical centre, pixels */
    public double centerY() {
        return (y1 + y2) / 2;
    }

    /**
     * @param imageWidth image width in pixels
     * @param imageHeight image height in pixels
     * @return this box clamped to {@code [0, imageWidth] x [0, imageHeight]}
     * @throws IllegalArgumentException when nothing of the box lies inside the image
     */
    public CornerBox clampTo(int imageWidth, int imageHeight) {
        return new CornerBox(Math.max(0, x1), Math.max(0, y1), Math.min(imageWidth, x2), Math.min(imageHeight, y2));
    }

    /** @return the corners as {@code [x1, y1, x2, y2]} */
    public double[] toArray() {
        return new double[] {x1, y1, x2, y2};
    }
}
