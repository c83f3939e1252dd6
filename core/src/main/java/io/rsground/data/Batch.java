package io.rsground.data;

/**
 * A batch as the model eats it, in Java memory (the trainer copies it into native arrays).
 *
 * @param size B, the number of samples
 * @param imageSize S, side of the padded square
 * @param pixels [B, 3, S, S] row-major, normalised, zero on padding
 * @param pixelMask [B, S, S] 1 on padding, 0 on the image
 * @param patchMask [B, P] 1 where a patch counts as padding (masked in the fusion encoder)
 * @param tokens [B, L] int64 ids, 0 = padding
 * @param tokenLength L
 * @param boxes [B, 4] targets, cx, cy, w, h normalised to the padded square
 * @param sampleIndices [B] the global object index of each sample
 */
public record Batch(int size, int imageSize, float[] pixels, byte[] pixelMask, float[] patchMask, long[] tokens,
        int tokenLength, float[] boxes, int[] sampleIndices) {

    /** Checks that the array lengths agree with B, S and L. */
    public Batch {
        long s = imageSize;
        if (pixels.length != size * 3 * s * s || pixelMask.length != size * s * s || tokens.length != (long) size
                * tokenLength || boxes.length != size * 4L || sampleIndices.length != size
                || patchMask.length % Math.max(1, size) != 0) {
            throw new IllegalArgumentException("inconsistent batch of " + size + " at " + imageSize + " px with "
                    + tokenLength + " tokens");
        }
    }

    /** @return [B, L] text mask as the reference builds it: true where the id is non-zero */
    public boolean[] textMask() {
        boolean[] mask = new boolean[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            mask[i] = tokens[i] > 0;
        }
        return mask;
    }

    /** @return P, patches per image */
    public int patches() {
        return size == 0 ? 0 : patchMask.length / size;
    }
}
