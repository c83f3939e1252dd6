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
 * @param absent for each sample a query whose referent is not in its image (the presence head's negatives), or
 *     null when the batch has none
 */
public record Batch(int size, int imageSize, float[] pixels, byte[] pixelMask, float[] patchMask, long[] tokens,
        int tokenLength, float[] boxes, int[] sampleIndices, Absent absent) {

    /**
     * Absent-referent queries, one per sample.
     *
     * @param tokens [B, La] int64 ids, 0 = padding
     * @param length La
     * @param valid [B] 1 where the sample has one, 0 where none was found (its row is padding and must be ignored)
     */
    public record Absent(long[] tokens, int length, float[] valid) {
        /** @return rows [from, to) */
        Absent slice(int from, int to) {
            return new Absent(java.util.Arrays.copyOfRange(tokens, from * length, to * length), length,
                    java.util.Arrays.copyOfRange(valid, from, to));
        }
    }

    /** A batch without absent-referent queries. */
    public Batch(int size, int imageSize, float[] pixels, byte[] pixelMask, float[] patchMask, long[] tokens,
            int tokenLength, float[] boxes, int[] sampleIndices) {
        this(size, imageSize, pixels, pixelMask, patchMask, tokens, tokenLength, boxes, sampleIndices, null);
    }

    /** Checks that the array lengths agree with B, S and L. */
    public Batch {
        long s = imageSize;
        if (pixels.length != size * 3 * s * s || pixelMask.length != size * s * s || tokens.length != (long) size
                * tokenLength || boxes.length != size * 4L || sampleIndices.length != size
                || patchMask.length % Math.max(1, size) != 0
                || absent != null && (absent.tokens().length != (long) size * absent.length()
                        || absent.valid().length != size)) {
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
                java.util.Arrays.copyOfRange(sampleIndices, from, to), absent == null ? null : absent.slice(from, to));
    }
}
