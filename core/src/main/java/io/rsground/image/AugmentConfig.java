package io.rsground.image;

/**
 * Which training augmentations {@link TrainTransform} applies, as the reference's flags name them.
 * Colour jitter (probability 0.8) is on unless turned off, as in the reference, which has no switch for it.
 *
 * @param imageSize S, side of the square model input (224 for the reference)
 * @param crop {@code --aug-crop}: the crop branch (short-side resize to 400/500/600, random crop of
 *     384..600, long-side resize) with probability 0.5 for queries without direction words
 * @param scale {@code --aug-scale}: the long side is drawn from 7 sizes {@code round(S * (1 - i / 7))},
 *     i = 0..6, instead of S
 * @param translate {@code --aug-translate}: the image is pasted at a uniformly random position instead
 *     of centred
 * @param blur {@code --aug-blur}: Gaussian blur with probability 0.5, sigma uniform in [0.1, 2]
 * @param hflip {@code --aug-hflip}: mirror with probability 0.5, swapping left and right in the query
 *     (not in the reference, which found flipping harmful without the swap)
 * @param jitter colour jitter (brightness, contrast, saturation) with probability 0.8, as the reference always
 *     applies it; {@code --no-aug-jitter} turns it off (colour words in the queries then keep their meaning, and a
 *     frozen image tower's features can be computed once per image)
 */
public record AugmentConfig(int imageSize, boolean crop, boolean scale, boolean translate, boolean blur,
        boolean hflip, boolean jitter) {

    /** Checks the size. */
    public AugmentConfig {
        if (imageSize < 1) {
            throw new IllegalArgumentException("image size must be >= 1, got " + imageSize);
        }
    }

    /** The reference's augmentations with colour jitter on. */
    public AugmentConfig(int imageSize, boolean crop, boolean scale, boolean translate, boolean blur, boolean hflip) {
        this(imageSize, crop, scale, translate, blur, hflip, true);
    }

    /** @return true when nothing random is left: every image is prepared the same way at every use */
    public boolean deterministic() {
        return !crop && !scale && !translate && !blur && !hflip && !jitter;
    }

    /**
     * @param imageSize S
     * @return the reference's fully supervised recipe: crop, scale and translate on, blur and flip off
     */
    public static AugmentConfig reference(int imageSize) {
        return new AugmentConfig(imageSize, true, true, true, false, false);
    }

    /**
     * @param imageSize S
     * @return every augmentation off (only colour jitter remains)
     */
    public static AugmentConfig none(int imageSize) {
        return new AugmentConfig(imageSize, false, false, false, false, false);
    }
}
