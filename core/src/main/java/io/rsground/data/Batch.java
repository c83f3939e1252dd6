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

    /**
     * @param from first sample, inclusive
     * @param to last sample, exclusive
     * @return samples [from, to) as a batch of their own, same S and L (the arrays are copied)
     */
    public Batch slice(int from, int to) {
        if (from < 0 || to > size || from > to) {
            throw new IndexOutOfBoundsException("samples " + from + ".." + to + " of a batch of " + size);
        }
        int plane = 3 * imageSize * imageSize;
        int maskPlane = imageSize * imageSize;
        int p = patches();
        return new Batch(to - from, imageSize, java.util.Arrays.copyOfRange(pixels, from * plane, to * plane),
                java.util.Arrays.copyOfRange(pixelMask, from * maskPlane, to * maskPlane),
                java.util.Arrays.copyOfRange(patchMask, from * p, to * p),
                java.util.Arrays.copyOfRange(tokens, from * tokenLength, to * tokenLength), tokenLength,
                java.util.Arrays.copyOfRange(boxes, from * 4, to * 4),
                java.util.Arrays.copyOfRange(sampleIndices, from, to));
    }
}
