package io.rsground.image;

import io.rsground.box.Box;

/**
 * One image prepared for the model by {@link EvalTransform}: resized so that its long side is
 * {@code size}, normalised, and pasted into a zero {@code size x size} canvas at
 * {@code (left, top)}. Also remembers the geometry, to map boxes between the original image and
 * the padded square.
 *
 * <p>The arrays are shared, not copied (this is a hot path); treat them as read-only. Equality is
 * that of a record holding arrays: by reference.
 *
 * @param size side of the square canvas, e.g. 224
 * @param pixels [3, size, size] channel-major R, G, B values, ImageNet-normalised; 0 on the padding
 * @param pixelMask [size, size] row-major, 1 on the padding and 0 on the image
 * @param scale resize factor from original to resized pixels, {@code size / max(width, height)}
 * @param left column of the canvas where the resized image starts
 * @param top row of the canvas where the resized image starts
 * @param resizedWidth width of the resized image inside the canvas
 * @param resizedHeight height of the resized image inside the canvas
 * @param originalWidth width of the original image in pixels
 * @param originalHeight height of the original image in pixels
 */
public record Preprocessed(int size, float[] pixels, byte[] pixelMask, double scale, int left, int top,
        int resizedWidth, int resizedHeight, int originalWidth, int originalHeight) {

    /** Checks that the arrays match the canvas size. */
    public Preprocessed {
        if (pixels.length != 3L * size * size || pixelMask.length != (long) size * size) {
            throw new IllegalArgumentException("a " + size + " canvas needs " + 3L * size * size + " pixels and "
                    + (long) size * size + " mask values, got " + pixels.length + " and " + pixelMask.length);
        }
    }

    /**
     * Maps a box from the original image into the model's target format: scaled like the image,
     * shifted by the padding, in centre format, divided by {@code size}.
     *
     * @param original box in original pixels, corner format
     * @return 4 values cx, cy, w, h normalised to the padded square
     */
    public double[] toNormalizedCxcywh(Box original) {
        return geometry().toNormalizedCxcywh(original);
    }

    /**
     * Maps a prediction back to the original image: the inverse of {@link #toNormalizedCxcywh},
     * then clamped to the image.
     *
     * @param cx centre x normalised to the padded square
     * @param cy centre y normalised to the padded square
     * @param w width normalised to the padded square, {@code >= 0}
     * @param h height normalised to the padded square, {@code >= 0}
     * @return corner-format box in original pixels, inside {@code [0, originalWidth] x [0, originalHeight]}
     */
    public Box fromNormalizedCxcywh(double cx, double cy, double w, double h) {
        return geometry().fromNormalizedCxcywh(cx, cy, w, h);
    }

    /** @return the placement of the image in the canvas */
    public PaddedGeometry geometry() {
        return new PaddedGeometry(size, scale, left, top, originalWidth, originalHeight);
    }

    /**
     * @param patch the vision tower's patch size, dividing {@code size}
     * @return [(size / patch)^2] row-major patch mask, true for padded patches; see
     *     {@link EvalTransform#patchMask}
     */
    public boolean[] patchMask(int patch) {
        return EvalTransform.patchMask(pixelMask, size, patch);
    }
}
