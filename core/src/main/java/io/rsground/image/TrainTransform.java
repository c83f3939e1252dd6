package io.rsground.image;

import io.rsground.box.Box;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference CLIP-VG training transform, step by step, on 8-bit pixels with PIL semantics
 * (resizes by {@link PilResize}, colour by {@link PilEnhance}, blur by {@link PilBlur}):
 * <ol>
 *   <li><b>RandomSelect.</b> A query containing any of {@code left right top bottom middle} (as a
 *       substring, so "bright" counts) always takes branch A; otherwise branch B is taken with
 *       probability 0.5 when {@link AugmentConfig#crop()} is on, never when it is off.
 *       <ul>
 *         <li>A: resize the long side to a size drawn uniformly from
 *             {@code round(S * (1 - i / 7))}, i = 0..6, when {@link AugmentConfig#scale()} is on,
 *             else to S. At S = 224 these are the reference's sizes {@code 224 - 32 i}; the
 *             reference's own list goes non-positive below S = 224, this one stays positive (at
 *             least 1 pixel).
 *         <li>B: resize the short side to 400, 500 or 600 (uniform); then up to 20 tries of a crop
 *             with width uniform in [384, min(W, 600)], height in [384, min(H, 600)] and a uniform
 *             position inside the image, accepted when the box's top-left corner lies strictly
 *             inside the crop's top-left ({@code x1 > left && y1 > top}); the accepted crop cuts
 *             the image, and the box is shifted and clamped to it (it may shrink to nothing when
 *             the object lies right of or below the crop, as in the reference); with no try
 *             accepted the image is left as it is. Then branch A's resize.
 *       </ul>
 *   <li><b>Colour jitter</b> (unless {@link AugmentConfig#jitter()} is off) with probability 0.8: brightness,
 *       contrast and saturation
 *       ({@code ImageEnhance.Color}) in a uniformly random order, each with a factor uniform in
 *       [0.6, 1.4].
 *   <li><b>Gaussian blur</b> when {@link AugmentConfig#blur()} is on, with probability 0.5 and
 *       sigma uniform in [0.1, 2] (Pillow's box-blur approximation, see {@link PilBlur}).
 *   <li><b>Horizontal flip</b> when {@link AugmentConfig#hflip()} is on, with probability 0.5: image
 *       and box mirrored, and the words {@code left}/{@code right} (also {@code leftmost},
 *       {@code rightmost}) swapped in the query as whole words; other text is kept.
 *   <li><b>Normalise and paste</b> into the zero S x S canvas (see {@link EvalTransform}): centred
 *       at {@code top = round(dh / 2 - 0.1)}, {@code left = round(dw / 2 - 0.1)}, or with
 *       {@link AugmentConfig#translate()} at {@code top} uniform in [0, dh], then {@code left}
 *       uniform in [0, dw].
 * </ol>
 * Resizes compute the new size as the reference does, {@code round(side * target / reference side)}
 * (half to even), and scale the box by the same ratio on both axes. The final box is
 * {@code (cx, cy, w, h) / S}.
 *
 * <p><b>Departure from the reference code.</b> The reference's crop test compares the box's
 * <em>centre</em> with the crop's top and left swapped ({@code cx > crop top, cy > crop left});
 * this class implements the rule as the project's reference description states it (top-left
 * corner, matching axes).
 *
 * <p><b>Randomness.</b> Every decision is drawn from the generator passed to {@link #apply}, in
 * the order of the steps above (branch, short side, crop tries as width, height, top, left; long
 * side; jitter gate, order, factors; blur gate and sigma; flip; paste top and left), so a generator
 * seeded the same way gives bit-identical output. Python's random streams are not reproduced.
 * Instances are immutable and thread-safe; they use only Java arrays.
 */
public final class TrainTransform implements SampleTransform {
    /** Substrings that pin a query to branch A: cropping could cut away what they refer to. */
    static final List<String> DIRECTION_WORDS = List.of("left", "right", "top", "bottom", "middle");
    /** Short sides of branch B. */
    static final int[] SHORT_SIDES = {400, 500, 600};
    static final int CROP_MIN = 384;
    static final int CROP_MAX = 600;
    static final int CROP_TRIES = 20;
    static final double CROP_PROBABILITY = 0.5;
    static final double JITTER_PROBABILITY = 0.8;
    static final double JITTER_LOW = 0.6;
    static final double JITTER_HIGH = 1.4;
    static final double BLUR_PROBABILITY = 0.5;
    static final double BLUR_SIGMA_LOW = 0.1;
    static final double BLUR_SIGMA_HIGH = 2.0;
    static final double FLIP_PROBABILITY = 0.5;
    /** Number of long sides drawn from with scale augmentation. */
    static final int SCALE_STEPS = 7;

    private static final Pattern LEFT_OR_RIGHT = Pattern.compile("\\b(left|right)(most)?\\b",
            Pattern.CASE_INSENSITIVE);

    private final AugmentConfig config;
    private final int[] longSides;
    /** What this transform is when nothing random is on (the layout of an image then follows from its size). */
    private final EvalTransform unaugmented;

    /**
     * @param config which augmentations to apply and the canvas size
     */
    public TrainTransform(AugmentConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.longSides = longSides(config.imageSize(), config.scale());
        this.unaugmented = new EvalTransform(config.imageSize());
    }

    /** @return the configuration */
    public AugmentConfig config() {
        return config;
    }

    @Override
    public int imageSize() {
        return config.imageSize();
    }

    @Override
    public boolean deterministic() {
        return config.deterministic();
    }

    /** With nothing random left this is the eval transform, whose layout follows from the image's size. */
    @Override
    public Layout layout(int width, int height, Box boxPixels, String query) {
        return config.deterministic() ? unaugmented.layout(width, height, boxPixels, query)
                : null;
    }

    /**
     * @param imageSize S
     * @param scale whether scale augmentation is on
     * @return the long sides drawn from: {@code round(S * (7 - i) / 7)} for i = 0..6 (at least 1),
     *     or just S
     */
    static int[] longSides(int imageSize, boolean scale) {
        if (!scale) {
            return new int[] {imageSize};
        }
        int[] sides = new int[SCALE_STEPS];
        for (int i = 0; i < SCALE_STEPS; i++) {
            // never a tie: S * (7 - i) / 7 is an integer or more than 1/14 away from a half
            sides[i] = Math.max(1, (int) Math.rint(imageSize * (double) (SCALE_STEPS - i) / SCALE_STEPS));
        }
        return sides;
    }

    /**
     * Applies the augmentations.
     *
     * @param image the decoded image (converted to 8-bit RGB first unless it is {@code TYPE_3BYTE_BGR});
     *     not modified
     * @param boxPixels the target box in pixels of {@code image}, corner format
     * @param query the referring expression
     * @param rng the source of every random decision
     * @return pixels [3, S, S] ImageNet-normalised with zero padding, pixel mask [S, S] (1 on padding),
     *     the box as cx, cy, w, h normalised to the padded square, the query (left/right swapped when
     *     flipped) and what was done
     */
    @Override
    public Prepared apply(BufferedImage image, Box boxPixels, String query, RandomGenerator rng) {
        Objects.requireNonNull(boxPixels, "boxPixels");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(rng, "rng");
        int size = config.imageSize();
        Frame f = new Frame(RgbConverter.bgrBytes(image), image.getWidth(), image.getHeight(), boxPixels);
        int originalWidth = f.width;
        int originalHeight = f.height;

        int shortSide = 0;
        Augmentation.Crop crop = null;
        if (takesCropBranch(query, config.crop(), rng)) {
            shortSide = SHORT_SIDES[rng.nextInt(SHORT_SIDES.length)];
            f.resizeShortSide(shortSide);
            crop = randomSizeCrop(f.width, f.height, f.box, rng);
            if (crop != null) {
                f.crop(crop);
            }
        }
        int longSide = longSides.length == 1 ? longSides[0] : longSides[rng.nextInt(longSides.length)];
        f.resizeLongSide(longSide);

        List<Augmentation.Jitter> colour = jitterColour(f, rng);
        double sigma = blur(f, rng);
        boolean flipped = config.hflip() && rng.nextDouble() < FLIP_PROBABILITY;
        String outQuery = query;
        if (flipped) {
            f.mirror();
            outQuery = swapLeftRight(query);
        }

        int dw = size - f.width;
        int dh = size - f.height;
        int top;
        int left;
        if (config.translate()) {
            top = rng.nextInt(dh + 1);
            left = rng.nextInt(dw + 1);
        } else {
            top = Canvas.centredOffset(dh);
            left = Canvas.centredOffset(dw);
        }
        Canvas.Pasted pasted = Canvas.paste(f.bgr, f.width, f.height, size, left, top);
        double[] box = f.box.translate(left, top).toCxcywh();
        for (int i = 0; i < 4; i++) {
            box[i] /= size;
        }
        Augmentation done = new Augmentation(originalWidth, originalHeight, shortSide, crop, longSide, f.width,
                f.height, colour, sigma, flipped, left, top);
        return new Prepared(size, pasted.pixels(), pasted.mask(), box, outQuery, done);
    }

    /**
     * Colour jitter, when on, with probability {@value #JITTER_PROBABILITY}: replaces the frame's [H, W, 3] BGR
     * bytes.
     *
     * @return the enhancements applied, in order; empty when none
     */
    private List<Augmentation.Jitter> jitterColour(Frame f, RandomGenerator rng) {
        List<Augmentation.Jitter> colour = new ArrayList<>(3);
        if (config.jitter() && rng.nextDouble() < JITTER_PROBABILITY) {
            for (PilEnhance.Kind kind : jitterOrder(rng)) {
                double factor = JITTER_LOW + (JITTER_HIGH - JITTER_LOW) * rng.nextDouble();
                f.bgr = PilEnhance.apply(kind, f.bgr, factor);
                colour.add(new Augmentation.Jitter(kind, factor));
            }
        }
        return colour;
    }

    /**
     * Gaussian blur, when on, with probability {@value #BLUR_PROBABILITY}: replaces the frame's [H, W, 3] BGR bytes.
     *
     * @return the sigma used, 0 when not blurred
     */
    private double blur(Frame f, RandomGenerator rng) {
        double sigma = 0;
        if (config.blur() && rng.nextDouble() < BLUR_PROBABILITY) {
            sigma = BLUR_SIGMA_LOW + (BLUR_SIGMA_HIGH - BLUR_SIGMA_LOW) * rng.nextDouble();
            f.bgr = PilBlur.gaussianBlur(f.bgr, f.width, f.height, 3, sigma);
        }
        return sigma;
    }

    /**
     * RandomSelect's decision.
     *
     * @param query the query
     * @param crop whether the crop branch is enabled
     * @param rng drawn from only when the query has no direction word and crop is on
     * @return true for branch B (crop)
     */
    static boolean takesCropBranch(String query, boolean crop, RandomGenerator rng) {
        return crop && !hasDirectionWord(query) && rng.nextDouble() < CROP_PROBABILITY;
    }

    /**
     * @param query a query
     * @return whether it contains one of {@link #DIRECTION_WORDS} as a substring (the reference's test)
     */
    static boolean hasDirectionWord(String query) {
        for (String word : DIRECTION_WORDS) {
            if (query.contains(word)) {
                return true;
            }
        }
        return false;
    }

    /**
     * RandomSizeCrop(384, 600) with 20 tries.
     *
     * @param width image width, at least 384 (else no crop is possible and none is drawn)
     * @param height image height, at least 384
     * @param box the box in the image's pixels
     * @param rng draws width, height, top, left per try
     * @return the first accepted crop ({@code box.x1() > left && box.y1() > top}), or {@code null}
     */
    static Augmentation.Crop randomSizeCrop(int width, int height, Box box, RandomGenerator rng) {
        int maxWidth = Math.min(width, CROP_MAX);
        int maxHeight = Math.min(height, CROP_MAX);
        if (maxWidth < CROP_MIN || maxHeight < CROP_MIN) {
            return null; // the reference would fail here; it cannot happen after a short-side resize to >= 400
        }
        for (int attempt = 0; attempt < CROP_TRIES; attempt++) {
            int w = rng.nextInt(CROP_MIN, maxWidth + 1);
            int h = rng.nextInt(CROP_MIN, maxHeight + 1);
            int top = rng.nextInt(height - h + 1);
            int left = rng.nextInt(width - w + 1);
            if (box.x1() > left && box.y1() > top) {
                return new Augmentation.Crop(left, top, w, h);
            }
        }
        return null;
    }

    /** @return the three enhancements in a uniformly random order (Fisher-Yates) */
    private static PilEnhance.Kind[] jitterOrder(RandomGenerator rng) {
        PilEnhance.Kind[] order = PilEnhance.Kind.values().clone();
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            PilEnhance.Kind t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * Swaps the words left and right (and leftmost, rightmost), matched as whole words in any case;
     * the replacement keeps the case pattern (lower, Capitalised or UPPER). "bright" or
     * "leftover" are left alone, unlike the reference's plain substring replacement.
     *
     * @param query a query
     * @return the query as it reads for the mirrored image
     */
    static String swapLeftRight(String query) {
        Matcher m = LEFT_OR_RIGHT.matcher(query);
        StringBuilder out = new StringBuilder(query.length() + 1);
        while (m.find()) {
            String word = m.group();
            String swapped = word.toLowerCase(Locale.ROOT).startsWith("left")
                    ? "right" + word.substring(4).toLowerCase(Locale.ROOT)
                    : "left" + word.substring(5).toLowerCase(Locale.ROOT);
            if (word.equals(word.toUpperCase(Locale.ROOT))) {
                swapped = swapped.toUpperCase(Locale.ROOT);
            } else if (Character.isUpperCase(word.charAt(0))) {
                swapped = Character.toUpperCase(swapped.charAt(0)) + swapped.substring(1);
            }
            m.appendReplacement(out, swapped);
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The image being transformed with its box; each step replaces the arrays, never writes into them. */
    private static final class Frame {
        byte[] bgr;
        int width;
        int height;
        Box box;

        Frame(byte[] bgr, int width, int height, Box box) {
            this.bgr = bgr;
            this.width = width;
            this.height = height;
            this.box = box;
        }

        void resizeShortSide(int side) {
            double ratio = (double) side / Math.min(width, height);
            resize(Math.max(1, (int) Math.rint(width * ratio)), Math.max(1, (int) Math.rint(height * ratio)), ratio);
        }

        void resizeLongSide(int side) {
            int[] size = EvalTransform.resizedSize(width, height, side);
            resize(size[0], size[1], (double) side / Math.max(width, height));
        }

        private void resize(int newWidth, int newHeight, double ratio) {
            bgr = PilResize.resize(bgr, width, height, 3, newWidth, newHeight);
            width = newWidth;
            height = newHeight;
            box = box.scale(ratio, ratio);
        }

        void crop(Augmentation.Crop c) {
            byte[] out = new byte[c.width() * c.height() * 3];
            int rowBytes = c.width() * 3;
            for (int y = 0; y < c.height(); y++) {
                System.arraycopy(bgr, ((c.top() + y) * width + c.left()) * 3, out, y * rowBytes, rowBytes);
            }
            bgr = out;
            width = c.width();
            height = c.height();
            box = box.translate(-c.left(), -c.top()).clamp(0, 0, c.width(), c.height());
        }

        void mirror() {
            byte[] out = new byte[bgr.length];
            for (int y = 0; y < height; y++) {
                int row = y * width * 3;
                for (int x = 0; x < width; x++) {
                    int src = row + x * 3;
                    int dst = row + (width - 1 - x) * 3;
                    out[dst] = bgr[src];
                    out[dst + 1] = bgr[src + 1];
                    out[dst + 2] = bgr[src + 2];
                }
            }
            bgr = out;
            box = new Box(width - box.x2(), box.y1(), width - box.x1(), box.y2());
        }
    }
}
