package io.rsground.image;

/**
 * Colour enhancements exactly as Pillow's {@code ImageEnhance} computes them on RGB images (checked
 * against Pillow 12), on interleaved 8-bit B, G, R arrays ({@code TYPE_3BYTE_BGR} layout).
 *
 * <p>Each enhancement is {@code Image.blend(degenerate, image, factor)}: per sample
 * {@code t = d + factor * (v - d)} in float32 (the factor is rounded to float32 first, as Pillow
 * passes it to C), then truncated toward zero and clipped to 0..255 (Pillow's blend does not round).
 * The degenerate image is
 * <ul>
 *   <li>brightness: black, {@code d = 0};
 *   <li>contrast: a uniform grey at the mean luma of the whole image, {@code int(mean + 0.5)};
 *   <li>color (saturation): the pixel's own luma, replicated to R, G and B.
 * </ul>
 * Luma is {@code convert("L")} of current Pillow: ITU-R 601-2 in 16-bit fixed point,
 * {@code (19595 R + 38470 G + 7471 B + 32768) >> 16} (the weights sum to 65536, so grey stays grey).
 */
public final class PilEnhance {

    /** The three enhancements of the reference's colour jitter. */
    public enum Kind {
        /** {@code ImageEnhance.Brightness}: blend with black. */
        BRIGHTNESS,
        /** {@code ImageEnhance.Contrast}: blend with the mean grey. */
        CONTRAST,
        /** {@code ImageEnhance.Color}: blend with the grey-scale image (saturation). */
        COLOR
    }

    private PilEnhance() {
    }

    /**
     * @param kind which enhancement
     * @param bgr [H, W, 3] interleaved B, G, R bytes; not modified
     * @param factor the enhancement factor (0 gives the degenerate image, 1 the image itself)
     * @return a new [H, W, 3] B, G, R array
     */
    public static byte[] apply(Kind kind, byte[] bgr, double factor) {
        return switch (kind) {
            case BRIGHTNESS -> brightness(bgr, factor);
            case CONTRAST -> contrast(bgr, factor);
            case COLOR -> color(bgr, factor);
        };
    }

    /**
     * {@code ImageEnhance.Brightness(image).enhance(factor)}.
     *
     * @param bgr [H, W, 3] interleaved B, G, R bytes; not modified
     * @param factor 0 gives black, 1 the image
     * @return a new [H, W, 3] array
     */
    public static byte[] brightness(byte[] bgr, double factor) {
        checkLayout(bgr);
        float alpha = (float) factor;
        byte[] out = new byte[bgr.length];
        for (int i = 0; i < bgr.length; i++) {
            out[i] = (byte) blend(0, bgr[i] & 0xff, alpha);
        }
        return out;
    }

    /**
     * {@code ImageEnhance.Contrast(image).enhance(factor)}.
     *
     * @param bgr [H, W, 3] interleaved B, G, R bytes; not modified
     * @param factor 0 gives a uniform grey at the image's mean luma, 1 the image
     * @return a new [H, W, 3] array
     */
    public static byte[] contrast(byte[] bgr, double factor) {
        checkLayout(bgr);
        int grey = meanLuma(bgr);
        float alpha = (float) factor;
        // the blend of grey with each of the 256 values, computed once
        byte[] table = new byte[256];
        for (int v = 0; v < 256; v++) {
            table[v] = (byte) blend(grey, v, alpha);
        }
        byte[] out = new byte[bgr.length];
        for (int i = 0; i < bgr.length; i++) {
            out[i] = table[bgr[i] & 0xff];
        }
        return out;
    }

    /**
     * {@code ImageEnhance.Color(image).enhance(factor)}.
     *
     * @param bgr [H, W, 3] interleaved B, G, R bytes; not modified
     * @param factor 0 gives the grey-scale image, 1 the image, above 1 more saturated colours
     * @return a new [H, W, 3] array
     */
    public static byte[] color(byte[] bgr, double factor) {
        checkLayout(bgr);
        float alpha = (float) factor;
        byte[] out = new byte[bgr.length];
        for (int i = 0; i < bgr.length; i += 3) {
            int b = bgr[i] & 0xff;
            int g = bgr[i + 1] & 0xff;
            int r = bgr[i + 2] & 0xff;
            int l = luma(r, g, b);
            out[i] = (byte) blend(l, b, alpha);
            out[i + 1] = (byte) blend(l, g, alpha);
            out[i + 2] = (byte) blend(l, r, alpha);
        }
        return out;
    }

    /**
     * Pillow's {@code convert("L")} of one RGB pixel.
     *
     * @param r red, 0..255
     * @param g green, 0..255
     * @param b blue, 0..255
     * @return the luma, 0..255
     */
    public static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }

    /**
     * {@code int(ImageStat.Stat(image.convert("L")).mean[0] + 0.5)}.
     *
     * @param bgr [H, W, 3] interleaved B, G, R bytes, at least one pixel
     * @return the mean luma rounded half up
     */
    static int meanLuma(byte[] bgr) {
        long sum = 0;
        for (int i = 0; i < bgr.length; i += 3) {
            sum += luma(bgr[i + 2] & 0xff, bgr[i + 1] & 0xff, bgr[i] & 0xff);
        }
        double mean = (double) sum / (bgr.length / 3);
        return (int) (mean + 0.5);
    }

    /** Pillow's {@code ImagingBlend} for one sample: float32, truncated, clipped. */
    static int blend(int degenerate, int value, float alpha) {
        float t = degenerate + alpha * (value - degenerate);
        return t <= 0f ? 0 : t >= 255f ? 255 : (int) t;
    }

    private static void checkLayout(byte[] bgr) {
        if (bgr.length == 0 || bgr.length % 3 != 0) {
            throw new IllegalArgumentException("expected interleaved B, G, R bytes for at least one pixel, got "
                    + bgr.length + " bytes");
        }
    }
}
