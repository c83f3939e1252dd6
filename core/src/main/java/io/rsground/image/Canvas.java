package io.rsground.image;

import java.util.Arrays;

/**
 * The last step shared by the eval and training transforms: 8-bit pixels scaled to [0, 1],
 * normalised with the ImageNet mean and standard deviation (not CLIP's), and pasted into a zero
 * square canvas, with a pixel mask that is 1 on the padding. Normalisation is computed in float32
 * in the reference's order, {@code (v / 255 - mean) / std}, once per 8-bit value.
 */
final class Canvas {
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] STD = {0.229f, 0.224f, 0.225f};
    /** [3][256] normalised value of each 8-bit sample, per channel R, G, B. */
    private static final float[][] NORMALISED = normalisationTable();

    private Canvas() {
    }

    /**
     * The pasted image.
     *
     * @param pixels [3, size, size] channel-major R, G, B, normalised; 0 on the padding
     * @param mask [size, size] 1 on the padding, 0 on the image
     */
    record Pasted(float[] pixels, byte[] mask) {
    }

    /**
     * @param bgr [height, width, 3] interleaved B, G, R bytes
     * @param width image width, {@code <= size - left}
     * @param height image height, {@code <= size - top}
     * @param size side of the square canvas
     * @param left first canvas column of the image
     * @param top first canvas row of the image
     * @return the normalised canvas and its mask
     */
    static Pasted paste(byte[] bgr, int width, int height, int size, int left, int top) {
        if (left < 0 || top < 0 || left + width > size || top + height > size) {
            throw new IllegalArgumentException("a " + width + " x " + height + " image at (" + left + ", " + top
                    + ") does not fit a " + size + " x " + size + " canvas");
        }
        int plane = size * size;
        float[] pixels = new float[3 * plane];
        byte[] mask = new byte[plane];
        Arrays.fill(mask, (byte) 1);
        float[] red = NORMALISED[0];
        float[] green = NORMALISED[1];
        float[] blue = NORMALISED[2];
        for (int y = 0; y < height; y++) {
            int src = y * width * 3;
            int dst = (top + y) * size + left;
            Arrays.fill(mask, dst, dst + width, (byte) 0);
            for (int x = 0; x < width; x++, src += 3, dst++) {
                pixels[dst] = red[bgr[src + 2] & 0xff];
                pixels[plane + dst] = green[bgr[src + 1] & 0xff];
                pixels[2 * plane + dst] = blue[bgr[src] & 0xff];
            }
        }
        return new Pasted(pixels, mask);
    }

    /**
     * The reference's centring offset for {@code free} pixels of padding along one axis.
     *
     * @param free canvas side minus image side, {@code >= 0}
     * @return {@code round(free / 2 - 0.1)}, half to even as Python rounds (so an odd padding puts
     *     the extra pixel after the image)
     */
    static int centredOffset(int free) {
        return (int) Math.rint(free / 2.0 - 0.1);
    }

    /**
     * @param channel 0 red, 1 green, 2 blue
     * @param value the 8-bit sample
     * @return its normalised value
     */
    static float normalised(int channel, int value) {
        return NORMALISED[channel][value];
    }

    private static float[][] normalisationTable() {
        float[][] table = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                table[c][v] = ((float) v / 255f - MEAN[c]) / STD[c];
            }
        }
        return table;
    }
}
