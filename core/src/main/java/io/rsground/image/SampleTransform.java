package io.rsground.image;

import io.rsground.box.Box;
import java.awt.image.BufferedImage;
import java.util.random.RandomGenerator;

/**
 * Turns one decoded image with its target box and query into the model's input: the eval transform
 * ({@link EvalTransform}) or the training augmentations ({@link TrainTransform}). Implementations
 * are immutable and thread-safe, use no native memory (plain Java arrays only, so batch loader
 * threads never touch the tensor engine), and draw every random number from the generator they are
 * given, so that the same generator state gives bit-identical output.
 */
public interface SampleTransform {

    /** @return S, the side of the square canvas every output has */
    int imageSize();

    /**
     * @param image the decoded image (converted to 8-bit RGB first unless it is {@code TYPE_3BYTE_BGR});
     *     not modified
     * @param boxPixels the target box in pixels of {@code image}, corner format
     * @param query the referring expression
     * @param rng the source of every random decision (not used by deterministic transforms)
     * @return pixels [3, S, S], pixel mask [S, S], the box as cx, cy, w, h normalised to the padded
     *     square, the (possibly changed) query and what was done
     */
    Prepared apply(BufferedImage image, Box boxPixels, String query, RandomGenerator rng);

    /**
     * @return true when the output depends on the image, box and query alone, never on the generator: a sample is
     *     then prepared the same way at every use, and what is derived from it may be kept
     */
    default boolean deterministic() {
        return false;
    }

    /**
     * What {@link #apply} would return besides the pixels, from the image's size alone, for a deterministic
     * transform: a sample whose pixels nobody needs can then be prepared without decoding its image.
     *
     * @param width the image's width, pixels
     * @param height its height
     * @param boxPixels the target box in pixels of the image, corner format
     * @param query the referring expression
     * @return the pixel mask and the box as {@link #apply} gives them, or null when the transform needs the image
     */
    default Layout layout(int width, int height, Box boxPixels, String query) {
        return null;
    }

    /**
     * A prepared sample without its pixels.
     *
     * @param pixelMask [S, S] row-major, 1 on the padding
     * @param box cx, cy, w, h normalised to the padded square
     * @param query the query after the transform
     */
    record Layout(byte[] pixelMask, double[] box, String query) {
    }
}
