package io.rsground.image;

import io.rsground.box.Box;
import java.util.Objects;

/**
 * One sample ready for the model, as a {@link SampleTransform} returns it.
 *
 * <p>The arrays are shared, not copied (this is a hot path); treat them as read-only. Equality is
 * that of a record holding arrays: by reference.
 *
 * @param size S, side of the square canvas
 * @param pixels [3, S, S] channel-major R, G, B values, ImageNet-normalised; 0 on the padding
 * @param pixelMask [S, S] row-major, 1 on the padding and 0 on the image
 * @param box 4 values cx, cy, w, h of the target box, normalised to the padded square
 * @param query the query after the transform (a horizontal flip swaps left and right)
 * @param augmentation what the transform did: sizes, crop, colour changes, flip, paste offset
 */
public record Prepared(int size, float[] pixels, byte[] pixelMask, double[] box, String query,
        Augmentation augmentation) {

    /** Checks that the arrays match the canvas size. */
    public Prepared {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(augmentation, "augmentation");
        if (pixels.length != 3L * size * size || pixelMask.length != (long) size * size || box.length != 4) {
            throw new IllegalArgumentException("a " + size + " canvas needs " + 3L * size * size + " pixels, "
                    + (long) size * size + " mask values and 4 box values, got " + pixels.length + ", "
                    + pixelMask.length + " and " + box.length);
        }
    }

    /** @return the target box in canvas pixels, corner format (the normalised box times S) */
    public Box canvasBox() {
        return Box.fromCxcywh(box[0] * size, box[1] * size, box[2] * size, box[3] * size);
    }

    /**
     * @param patch the vision tower's patch size, in {@code [1, S]}
     * @return [(S / patch)^2] row-major patch mask, true for padded patches; see
     *     {@link EvalTransform#patchMask}
     */
    public boolean[] patchMask(int patch) {
        return EvalTransform.patchMask(pixelMask, size, patch);
    }
}
