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
}
