package io.rsground.image;

import io.rsground.box.Box;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The reference CLIP-VG test/validation transform: resize so that the long side is
 * {@code imageSize} (PIL bilinear, see {@link PilResize}), scale to [0, 1], normalise with the
 * ImageNet mean and standard deviation (not CLIP's), and paste centred into a zero square canvas,
 * with a pixel mask that is 1 on the padding.
 *
 * <p>Sizes follow the reference exactly: {@code ratio = imageSize / max(w, h)}, new side
 * {@code round(side * ratio)} (round half to even, as Python's {@code round}), free space
 * {@code dw, dh}, offsets {@code top = round(dh / 2 - 0.1)}, {@code left = round(dw / 2 - 0.1)}.
 * Normalisation is computed in float32 in the reference's order, {@code (v / 255 - mean) / std}.
 * {@link TrainTransform} with every option off and no colour jitter gives the same arrays.
 * Instances are immutable and thread-safe.
 */
public final class EvalTransform implements SampleTransform {
    private final int imageSize;

    /**
     * @param imageSize side of the square model input, e.g. 224
     */
    public EvalTransform(int imageSize) {
        if (imageSize < 1) {
            throw new IllegalArgumentException("image size must be >= 1, got " + imageSize);
        }
        this.imageSize = imageSize;
    }

    /** @return side of the square model input */
    @Override
    public int imageSize() {
        return imageSize;
    }

    @Override
    public boolean deterministic() {
        return true;
    }

    @Override
    public Layout layout(int width, int height, Box boxPixels, String query) {
        PaddedGeometry g = PaddedGeometry.centred(width, height, imageSize);
        return new Layout(g.pixelMask(), g.toNormalizedCxcywh(boxPixels), query);
    }

    /**
     * @param image the original image (converted to 8-bit RGB first unless it is {@code TYPE_3BYTE_BGR})
     * @return the model input and its geometry
     */
    public Preprocessed apply(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] resized = resizedSize(width, height, imageSize);
        int newWidth = resized[0];
        int newHeight = resized[1];
        byte[] bgr = PilResize.resize(RgbConverter.bgrBytes(image), width, height, 3, newWidth, newHeight);
        int left = Canvas.centredOffset(imageSize - newWidth);
        int top = Canvas.centredOffset(imageSize - newHeight);
        Canvas.Pasted pasted = Canvas.paste(bgr, newWidth, newHeight, imageSize, left, top);
        double scale = (double) imageSize / Math.max(width, height);
        return new Preprocessed(imageSize, pasted.pixels(), pasted.mask(), scale, left, top, newWidth, newHeight,
                width, height);
    }

    /**
     * The eval transform as a {@link SampleTransform}: {@link #apply(BufferedImage)} plus the box
     * mapped by {@link Preprocessed#toNormalizedCxcywh}; the query is kept and {@code rng} is not used.
     *
     * @param image the original image
     * @param boxPixels the target box in original pixels, corner format
     * @param query the referring expression, returned unchanged
     * @param rng not used (the eval transform is deterministic)
     * @return the model input, the box as cx, cy, w, h normalised to the padded square, and the
     *     geometry (no crop, no colour change, long side {@code imageSize}, centred)
     */
    @Override
    public Prepared apply(BufferedImage image, Box boxPixels, String query, RandomGenerator rng) {
        Preprocessed p = apply(image);
        Augmentation geometry = new Augmentation(p.originalWidth(), p.originalHeight(), 0, null, imageSize,
                p.resizedWidth(), p.resizedHeight(), List.of(), 0.0, false, p.left(), p.top());
        return new Prepared(imageSize, p.pixels(), p.pixelMask(), p.toNormalizedCxcywh(boxPixels), query, geometry);
    }

    /**
     * The size after resizing the long side to {@code imageSize}, as the reference computes it
     * ({@code round(side * (imageSize / longSide))}, half to even); at least 1 pixel per side
     * (where the reference would fail on extreme aspect ratios).
     *
     * @param width original width
     * @param height original height
     * @param imageSize target length of the long side
     * @return {width, height} after resizing
     */
    public static int[] resizedSize(int width, int height, int imageSize) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be >= 1 x 1, got " + width + " x " + height);
        }
        double ratio = (double) imageSize / Math.max(width, height);
        return new int[] {Math.max(1, (int) Math.rint(width * ratio)), Math.max(1, (int) Math.rint(height * ratio))};
    }

    /**
     * Downsamples the pixel mask to one value per patch as the reference does with torch:
     * {@code F.interpolate(mask[None].float(), size=(n, n), mode='bilinear', align_corners=False)}
     * with {@code n = size / patch}, rounded half to even, then cast to bool. Bilinear sampling
     * without antialiasing reads source position {@code (i + 0.5) * size / n - 0.5} (clamped at 0):
     * for 16-pixel patches the mean of the 2 x 2 pixels at each patch's centre, so a patch half on
     * the padding (0.5) is not masked and three quarters (0.75) is. Computed in float32 like torch.
     *
     * @param pixelMask [size, size] row-major, nonzero on the padding
     * @param size side of the square mask
     * @param patch patch size; {@code size / patch} (integer division) patches per side
     * @return [(size / patch)^2] row-major, true for masked (padded) patches
     */
    public static boolean[] patchMask(byte[] pixelMask, int size, int patch) {
        if (patch < 1 || patch > size) {
            throw new IllegalArgumentException("patch size must be in [1, " + size + "], got " + patch);
        }
        if (pixelMask.length != (long) size * size) {
            throw new IllegalArgumentException("a " + size + " x " + size + " mask needs " + (long) size * size
                    + " values, got " + pixelMask.length);
        }
        int n = size / patch;
        float scale = (float) size / n;
        int[] index0 = new int[n];
        int[] index1 = new int[n];
        float[] weight0 = new float[n];
        float[] weight1 = new float[n];
        for (int i = 0; i < n; i++) {
            float real = Math.max(0f, scale * (i + 0.5f) - 0.5f);
            int i0 = Math.min((int) Math.floor(real), size - 1);
            float lambda = Math.min(Math.max(real - i0, 0f), 1f);
            index0[i] = i0;
            index1[i] = i0 < size - 1 ? i0 + 1 : i0;
            weight0[i] = 1f - lambda;
            weight1[i] = lambda;
        }
        boolean[] out = new boolean[n * n];
        for (int py = 0; py < n; py++) {
            int row0 = index0[py] * size;
            int row1 = index1[py] * size;
            for (int px = 0; px < n; px++) {
                int x0 = index0[px];
                int x1 = index1[px];
                float top = (pixelMask[row0 + x0] != 0 ? 1f : 0f) * weight0[px]
                        + (pixelMask[row0 + x1] != 0 ? 1f : 0f) * weight1[px];
                float bottom = (pixelMask[row1 + x0] != 0 ? 1f : 0f) * weight0[px]
                        + (pixelMask[row1 + x1] != 0 ? 1f : 0f) * weight1[px];
                float value = top * weight0[py] + bottom * weight1[py];
                out[py * n + px] = Math.rint(value) != 0;
            }
        }
        return out;
    }
}
