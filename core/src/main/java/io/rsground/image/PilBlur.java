package io.rsground.image;

/**
 * Pillow's {@code ImageFilter.GaussianBlur(radius)} on 8-bit images, reproduced step for step (not
 * an exact Gaussian): Pillow approximates the Gaussian of standard deviation {@code radius} by
 * three passes of an "extended" box blur (Gwosdek et al., SSVM 2011) along the rows, then three
 * along the columns, each pass rounding to 8 bits.
 *
 * <p>The box radius {@code r + a} (integer part r, fraction a) is derived in float32 from
 * {@code sigma^2 / 3} per pass; each output sample is
 * {@code (ww * sum(in[x-r .. x+r]) + fw * (in[x-r-1] + in[x+r+1]) + 2^23) >> 24} with fixed-point
 * weights {@code ww = 2^24 / (2(r + a) + 1)} and {@code fw = (2^24 - (2r + 1) ww) / 2}; indices
 * outside the line repeat the edge sample. Unsigned 32-bit arithmetic as in Pillow's C code.
 */
public final class PilBlur {
    /** Box passes per axis, Pillow's default for a Gaussian blur. */
    static final int PASSES = 3;
    private static final long MASK32 = 0xFFFF_FFFFL;

    private PilBlur() {
    }

    /**
     * @param pixels [height, width, channels] interleaved 8-bit samples; not modified
     * @param width image width, {@code >= 1}
     * @param height image height, {@code >= 1}
     * @param channels samples per pixel (each filtered on its own)
     * @param radius the Gaussian's standard deviation in pixels, {@code >= 0}
     * @return a new [height, width, channels] array; a copy when {@code radius} is 0
     */
    public static byte[] gaussianBlur(byte[] pixels, int width, int height, int channels, double radius) {
        if (width < 1 || height < 1 || channels < 1 || pixels.length != (long) width * height * channels) {
            throw new IllegalArgumentException("a " + width + " x " + height + " x " + channels + " image needs "
                    + (long) width * height * channels + " samples, got " + pixels.length);
        }
        if (!(radius >= 0) || Double.isInfinite(radius)) {
            throw new IllegalArgumentException("blur radius must be finite and >= 0, got " + radius);
        }
        byte[] out = pixels.clone();
        if (radius == 0) {
            return out;
        }
        float boxRadius = boxRadius((float) radius, PASSES);
        if (boxRadius == 0f) {
            return out;
        }
        int[] line = new int[Math.max(width, height)];
        int[] blurred = new int[line.length];
        // rows: every pass over one row before the next row, as Pillow does
        for (int y = 0; y < height; y++) {
            for (int c = 0; c < channels; c++) {
                int start = y * width * channels + c;
                gather(out, start, channels, width, line);
                for (int pass = 0; pass < PASSES; pass++) {
                    boxLine(line, blurred, width, boxRadius);
                    System.arraycopy(blurred, 0, line, 0, width);
                }
                scatter(line, out, start, channels, width);
            }
        }
        for (int x = 0; x < width; x++) {
            for (int c = 0; c < channels; c++) {
                int start = x * channels + c;
                gather(out, start, width * channels, height, line);
                for (int pass = 0; pass < PASSES; pass++) {
                    boxLine(line, blurred, height, boxRadius);
                    System.arraycopy(blurred, 0, line, 0, height);
                }
                scatter(line, out, start, width * channels, height);
            }
        }
        return out;
    }

    /**
     * Pillow's {@code _gaussian_blur_radius}: the extended box radius whose {@code passes}-fold
     * repetition has the variance of a Gaussian with standard deviation {@code sigma}, in float32
     * (the square root in double, as in C).
     *
     * @param sigma the Gaussian's standard deviation
     * @param passes how many box passes
     * @return the box radius, integer part plus fraction
     */
    static float boxRadius(float sigma, int passes) {
        float sigma2 = sigma * sigma / passes;
        float length = (float) Math.sqrt(12.0 * sigma2 + 1.0);
        float whole = (float) Math.floor((length - 1.0) / 2.0);
        float fraction = (2 * whole + 1) * (whole * (whole + 1) - 3 * sigma2);
        fraction /= 6 * (sigma2 - (whole + 1) * (whole + 1));
        return whole + fraction;
    }

    /** One extended box pass over {@code n} samples with edge samples repeated. */
    static void boxLine(int[] in, int[] out, int n, float floatRadius) {
        int r = (int) floatRadius;
        long ww = (long) ((float) (1 << 24) / (floatRadius * 2 + 1)) & MASK32;
        long fw = (((1L << 24) - (2L * r + 1) * ww) & MASK32) >>> 1;
        int last = n - 1;
        // the window sum for x = -1: indices -r-1 .. r-1, clamped
        long acc = 0;
        for (int k = -r - 1; k <= r - 1; k++) {
            acc += in[clamp(k, last)];
        }
        for (int x = 0; x < n; x++) {
            int leaving = in[clamp(x - r - 1, last)];
            acc += in[clamp(x + r, last)] - leaving;
            long bulk = (acc * ww + (long) (leaving + in[clamp(x + r + 1, last)]) * fw) & MASK32;
            out[x] = (int) ((((bulk + (1L << 23)) & MASK32) >>> 24) & 0xff);
        }
    }

    private static int clamp(int i, int last) {
        return i < 0 ? 0 : Math.min(i, last);
    }

    private static void gather(byte[] from, int start, int stride, int n, int[] line) {
        for (int i = 0, p = start; i < n; i++, p += stride) {
            line[i] = from[p] & 0xff;
        }
    }

    private static void scatter(int[] line, byte[] to, int start, int stride, int n) {
        for (int i = 0, p = start; i < n; i++, p += stride) {
            to[p] = (byte) line[i];
        }
    }
}
