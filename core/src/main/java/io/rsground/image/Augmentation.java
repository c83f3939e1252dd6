package io.rsground.image;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link SampleTransform} did to one image, in the order it did it: the geometry needed to
 * follow a box or a pixel from the original image to the canvas, and the colour changes. Sizes are
 * in pixels.
 *
 * @param originalWidth width of the decoded image
 * @param originalHeight height of the decoded image
 * @param shortSide the short side drawn (400, 500 or 600) when the crop branch was taken, else 0
 * @param crop the crop accepted in the short-side-resized image, or {@code null} when there was
 *     none (the other branch, or no try accepted)
 * @param longSide the long side the image was resized to before padding
 * @param resizedWidth width of the image inside the canvas
 * @param resizedHeight height of the image inside the canvas
 * @param colour the colour enhancements applied, in order; empty when colour jitter did not fire
 * @param blurSigma the Gaussian blur radius applied, or 0 when none was
 * @param flipped whether the image was mirrored left to right (and the query's left/right swapped)
 * @param left first canvas column of the image
 * @param top first canvas row of the image
 */
public record Augmentation(int originalWidth, int originalHeight, int shortSide, Crop crop, int longSide,
        int resizedWidth, int resizedHeight, List<Jitter> colour, double blurSigma, boolean flipped, int left,
        int top) {

    /** Copies the colour list. */
    public Augmentation {
        colour = List.copyOf(colour);
    }

    /** @return whether the crop branch (short-side resize, random crop, long-side resize) was taken */
    public boolean cropBranch() {
        return shortSide > 0;
    }

    /**
     * A crop rectangle.
     *
     * @param left first column kept
     * @param top first row kept
     * @param width columns kept
     * @param height rows kept
     */
    public record Crop(int left, int top, int width, int height) {
    }

    /**
     * One colour enhancement with PIL {@code ImageEnhance} semantics.
     *
     * @param kind which enhancement
     * @param factor its factor (1 leaves the image unchanged)
     */
    public record Jitter(PilEnhance.Kind kind, double factor) {
        /** Checks the kind. */
        public Jitter {
            Objects.requireNonNull(kind, "kind");
        }
    }
}
