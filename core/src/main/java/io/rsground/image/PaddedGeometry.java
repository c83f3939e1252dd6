package io.rsground.image;

import io.rsground.box.Box;

/**
 * Where an image lands in the model's padded square, and the box mappings between the two: scaled by
 * {@code scale}, pasted at {@code (left, top)}.
 *
 * @param size side of the square canvas
 * @param scale resize factor from original to resized pixels
 * @param left canvas column where the resized image starts
 * @param top canvas row where the resized image starts
 * @param originalWidth original width in pixels
 * @param originalHeight original height in pixels
 */
public record PaddedGeometry(int size, double scale, int left, int top, int originalWidth, int originalHeight) {

    /**
     * @return the geometry {@link EvalTransform} uses for an image of this size: long side resized to
     *     {@code size}, centred
     */
    public static PaddedGeometry centred(int width, int height, int size) {
        int[] resized = EvalTransform.resizedSize(width, height, size);
        return new PaddedGeometry(size, (double) size / Math.max(width, height),
                Canvas.centredOffset(size - resized[0]), Canvas.centredOffset(size - resized[1]), width, height);
    }

    /**
     * @param original box in original pixels, corner format
     * @return cx, cy, w, h normalised to the padded square
     */
    public double[] toNormalizedCxcywh(Box original) {
        double[] cxcywh = original.scale(scale, scale).translate(left, top).toCxcywh();
        for (int i = 0; i < 4; i++) {
            cxcywh[i] /= size;
        }
        return cxcywh;
    }

    /** @return [size, size] row-major, 1 on the padding around the resized image and 0 on it */
    public byte[] pixelMask() {
        int[] resized = EvalTransform.resizedSize(originalWidth, originalHeight, size);
        byte[] mask = new byte[size * size];
        java.util.Arrays.fill(mask, (byte) 1);
        for (int y = Math.max(0, top); y < Math.min(size, top + resized[1]); y++) {
            java.util.Arrays.fill(mask, y * size + Math.max(0, left), y * size + Math.min(size, left + resized[0]),
                    (byte) 0);
        }
        return mask;
    }

    /**
     * @return the normalised box back in original pixels, corner format, clamped to the image
     */
    public Box fromNormalizedCxcywh(double cx, double cy, double w, double h) {
        Box onCanvas = Box.fromCxcywh(cx * size, cy * size, w * size, h * size);
        return onCanvas.translate(-left, -top).scale(1 / scale, 1 / scale).clamp(0, 0, originalWidth,
                originalHeight);
    }
}
