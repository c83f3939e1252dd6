package io.rsground.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.box.Box;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TrainTransformTest {
    private static final int SIZE = 224;
    private static final String NEUTRAL = "the big ship";

    /**
     * A textured grey background (R = G = B everywhere, which every step keeps grey: resizing and
     * blurring filter the channels alike, and the colour enhancements move all three by the same
     * rule for grey) with a solid red rectangle: "redness" R - G is 0 on the background and large on
     * the object whatever the jitter, so the object can be found again after any transform.
     */
    private static BufferedImage scene(int width, int height, Box object, long seed) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        Random random = new Random(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean inside = x >= object.x1() && x < object.x2() && y >= object.y1() && y < object.y2();
                int p = (y * width + x) * 3;
                if (inside) {
                    bgr[p] = 20;
                    bgr[p + 1] = 20;
                    bgr[p + 2] = (byte) 220;
                } else {
                    int grey = 60 + (x / 7 + y / 5) % 9 * 12 + random.nextInt(40); // stripes and noise
                    bgr[p] = bgr[p + 1] = bgr[p + 2] = (byte) grey;
                }
            }
        }
        return image;
    }

    @Test
    void boxStillBoundsTheDrawnObjectAfterEveryAugmentation() {
        Box centred = new Box(200, 150, 360, 250);
        Box corner = new Box(500, 330, 610, 460);
        List<AugmentConfig> configs = List.of(AugmentConfig.none(SIZE),
                new AugmentConfig(SIZE, true, false, false, false, false),
                new AugmentConfig(SIZE, false, true, false, false, false),
                new AugmentConfig(SIZE, false, false, true, false, false),
                new AugmentConfig(SIZE, false, false, false, true, false),
                new AugmentConfig(SIZE, false, false, false, false, true),
                new AugmentConfig(SIZE, true, true, true, true, true));
        int cropped = 0;
        int flipped = 0;
        int blurred = 0;
        for (Box object : List.of(centred, corner)) {
            BufferedImage image = scene(640, 480, object, 3);
            for (AugmentConfig config : configs) {
                TrainTransform transform = new TrainTransform(config);
                for (int seed = 0; seed < 25; seed++) {
                    Prepared p = transform.apply(image, object, NEUTRAL, new SplittableRandom(seed));
                    assertBoxBoundsObject(p, config + " seed " + seed + " object " + object);
                    cropped += p.augmentation().crop() != null ? 1 : 0;
                    flipped += p.augmentation().flipped() ? 1 : 0;
                    blurred += p.augmentation().blurSigma() > 0 ? 1 : 0;
                }
            }
        }
        // every random step was exercised
        assertThat(cropped).isGreaterThan(5);
        assertThat(flipped).isGreaterThan(5);
        assertThat(blurred).isGreaterThan(5);
    }

    /**
     * Object pixels (on the image, redness over half the strongest redness, so that blurred edges
     * count where half the object covers them) lie inside the box widened by 1 pixel, and the box
     * reaches no more than 1 pixel past them on any side.
     */
    private static void assertBoxBoundsObject(Prepared p, String what) {
        Box box = p.canvasBox();
        int[] redness = redness(p);
        int strongest = Arrays.stream(redness).max().orElse(0);
        int minX = Integer.MAX_VALUE;
        int minY = Integer.MAX_VALUE;
        int maxX = -1;
        int maxY = -1;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                if (strongest > 0 && 2 * redness[y * SIZE + x] > strongest) {
                    // pixel (x, y) covers [x, x + 1] x [y, y + 1]: it must touch the box widened by 1
                    if (x + 1 < box.x1() - 1 || x > box.x2() + 1 || y + 1 < box.y1() - 1 || y > box.y2() + 1) {
                        org.assertj.core.api.Assertions.fail("object pixel (%d, %d) outside %s: %s", x, y, box, what);
                    }
                    minX = Math.min(minX, x);
                    minY = Math.min(minY, y);
                    maxX = Math.max(maxX, x);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        if (box.width() >= 2 && box.height() >= 2) {
            assertThat(maxX).as("object visible inside a box of %s: %s", box, what).isGreaterThanOrEqualTo(0);
            assertThat((double) minX).as("tight left: %s", what).isLessThanOrEqualTo(box.x1() + 1);
            assertThat(maxX + 1.0).as("tight right: %s", what).isGreaterThanOrEqualTo(box.x2() - 1);
            assertThat((double) minY).as("tight top: %s", what).isLessThanOrEqualTo(box.y1() + 1);
            assertThat(maxY + 1.0).as("tight bottom: %s", what).isGreaterThanOrEqualTo(box.y2() - 1);
        } else {
            // the crop cut the object away: the box collapsed onto the crop's edge
            assertThat(maxX - minX).as("nothing left of the object: %s", what).isLessThanOrEqualTo(1);
        }
    }

    /** @return [S, S] R - G in 8-bit units on the image, 0 on the padding */
    private static int[] redness(Prepared p) {
        int plane = SIZE * SIZE;
        int[] out = new int[plane];
        for (int i = 0; i < plane; i++) {
            if (p.pixelMask()[i] == 0) {
                out[i] = eightBit(p.pixels()[i], 0.485f, 0.229f) - eightBit(p.pixels()[plane + i], 0.456f, 0.224f);
            }
        }
        return out;
    }

    private static int eightBit(float normalised, float mean, float std) {
        return Math.round((normalised * std + mean) * 255f);
    }

    @Test
    void acceptedCropsSatisfyTheRule() {
        Box box = new Box(150.5, 120, 330, 260);
        int accepted = 0;
        for (int seed = 0; seed < 300; seed++) {
            Augmentation.Crop c = TrainTransform.randomSizeCrop(700, 500, box, new SplittableRandom(seed));
            if (c == null) {
                continue;
            }
            accepted++;
            assertThat(c.width()).isBetween(384, 600);
            assertThat(c.height()).isBetween(384, 500);
            assertThat(c.left()).isBetween(0, 700 - c.width());
            assertThat(c.top()).isBetween(0, 500 - c.height());
            assertThat(box.x1()).isGreaterThan(c.left());
            assertThat(box.y1()).isGreaterThan(c.top());
        }
        // a try is accepted with probability about 0.3 (left <= 150 of 0..316, top < 120 of 0..116):
        // 20 tries nearly always find one
        assertThat(accepted).isGreaterThan(290);
    }

    @Test
    void croppingCutsTheImageAndClampsTheBox() {
        // a scene 800 x 600 -> short side 400/500/600; the cropped image inside the canvas must be the
        // corresponding part of the short-side-resized image, resized once more
        Box object = new Box(300, 200, 500, 420);
        BufferedImage image = scene(800, 600, object, 9);
        TrainTransform transform = new TrainTransform(new AugmentConfig(SIZE, true, false, false, false, false));
        int checked = 0;
        for (int seed = 0; seed < 60 && checked < 4; seed++) {
            Prepared p = transform.apply(image, object, NEUTRAL, new SplittableRandom(seed));
            Augmentation a = p.augmentation();
            if (a.crop() == null || !a.colour().isEmpty()) {
                continue;
            }
            checked++;
            double ratio = a.shortSide() / 600.0;
            int width = (int) Math.rint(800 * ratio);
            BufferedImage shortResized = PilResize.resize(image, width, a.shortSide());
            Augmentation.Crop c = a.crop();
            BufferedImage cut = shortResized.getSubimage(c.left(), c.top(), c.width(), c.height());
            BufferedImage copy = new BufferedImage(c.width(), c.height(), BufferedImage.TYPE_3BYTE_BGR);
            copy.getGraphics().drawImage(cut, 0, 0, null);
            Preprocessed expected = new EvalTransform(SIZE).apply(copy);
            assertThat(p.pixels()).isEqualTo(expected.pixels());
            assertThat(p.pixelMask()).isEqualTo(expected.pixelMask());
            Box inCrop = object.scale(ratio, ratio).translate(-c.left(), -c.top()).clamp(0, 0, c.width(), c.height());
            assertThat(p.box()).containsExactly(expected.toNormalizedCxcywh(inCrop), within());
        }
        assertThat(checked).isEqualTo(4);
    }

    @Test
    void whenNoTryCanSucceedTheImageIsLeftUncropped() {
        // x1 = 0 can never be strictly right of a crop's left edge (>= 0)
        Box atOrigin = new Box(0, 0, 120, 90);
        for (int seed = 0; seed < 50; seed++) {
            assertThat(TrainTransform.randomSizeCrop(640, 480, atOrigin, new SplittableRandom(seed))).isNull();
        }
        BufferedImage image = scene(640, 480, atOrigin, 4);
        TrainTransform transform = new TrainTransform(new AugmentConfig(SIZE, true, false, false, false, false));
        int checked = 0;
        for (int seed = 0; seed < 60; seed++) {
            Prepared p = transform.apply(image, atOrigin, NEUTRAL, new SplittableRandom(seed));
            Augmentation a = p.augmentation();
            if (!a.cropBranch() || !a.colour().isEmpty()) {
                continue;
            }
            checked++;
            assertThat(a.crop()).isNull();
            // the whole short-side-resized image, then the long-side resize: same as the eval transform of it
            double ratio = a.shortSide() / 480.0;
            BufferedImage shortResized = PilResize.resize(image, (int) Math.rint(640 * ratio), a.shortSide());
            Preprocessed expected = new EvalTransform(SIZE).apply(shortResized);
            assertThat(p.pixels()).isEqualTo(expected.pixels());
            assertThat(p.box()).containsExactly(expected.toNormalizedCxcywh(atOrigin.scale(ratio, ratio)), within());
        }
        assertThat(checked).isGreaterThan(2);
    }

    @Test
    void directionWordsNeverTakeTheCropBranch() {
        TrainTransform transform = new TrainTransform(new AugmentConfig(SIZE, true, false, false, false, false));
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR); // the decision ignores pixels
        Box box = new Box(10, 10, 20, 20);
        for (String query : List.of("the ship on the left", "the right tank", "top of the image",
                "at the bottom", "the middle airplane", "a bright roof", "leftmost vehicle")) {
            for (int seed = 0; seed < 150; seed++) {
                Prepared p = transform.apply(image, box, query, new SplittableRandom(seed));
                assertThat(p.augmentation().cropBranch()).as("'%s' seed %d", query, seed).isFalse();
            }
        }
        int crop = 0;
        for (int seed = 0; seed < 300; seed++) {
            crop += transform.apply(image, box, NEUTRAL, new SplittableRandom(seed)).augmentation().cropBranch() ? 1 : 0;
        }
        assertThat(crop).isBetween(110, 190); // about half of 300
        TrainTransform noCrop = new TrainTransform(new AugmentConfig(SIZE, false, true, true, true, true));
        for (int seed = 0; seed < 100; seed++) {
            assertThat(noCrop.apply(image, box, NEUTRAL, new SplittableRandom(seed)).augmentation().cropBranch())
                    .isFalse();
        }
    }

    @Test
    void longSidesFollowTheReferenceListAndStayPositive() {
        assertThat(TrainTransform.longSides(224, true)).containsExactly(224, 192, 160, 128, 96, 64, 32);
        assertThat(TrainTransform.longSides(100, true)).containsExactly(100, 86, 71, 57, 43, 29, 14);
        assertThat(TrainTransform.longSides(3, true)).containsExactly(3, 3, 2, 2, 1, 1, 1);
        assertThat(TrainTransform.longSides(224, false)).containsExactly(224);
        TrainTransform transform = new TrainTransform(new AugmentConfig(SIZE, false, true, false, false, false));
        BufferedImage image = new BufferedImage(300, 200, BufferedImage.TYPE_3BYTE_BGR);
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        for (int seed = 0; seed < 100; seed++) {
            Augmentation a = transform.apply(image, new Box(10, 10, 50, 50), NEUTRAL, new SplittableRandom(seed))
                    .augmentation();
            seen.add(a.longSide());
            assertThat(a.resizedWidth()).isEqualTo(a.longSide());
            assertThat(a.resizedHeight()).isEqualTo(EvalTransform.resizedSize(300, 200, a.longSide())[1]);
        }
        assertThat(seen).containsExactly(32, 64, 96, 128, 160, 192, 224);
    }

    @Test
    void translationPastesAnywhereInsideAndMaskFollows() {
        TrainTransform transform = new TrainTransform(new AugmentConfig(SIZE, false, true, true, false, false));
        BufferedImage image = scene(400, 300, new Box(100, 100, 150, 140), 2);
        java.util.Set<Integer> lefts = new java.util.HashSet<>();
        for (int seed = 0; seed < 60; seed++) {
            Prepared p = transform.apply(image, new Box(100, 100, 150, 140), NEUTRAL, new SplittableRandom(seed));
            Augmentation a = p.augmentation();
            assertThat(a.left()).isBetween(0, SIZE - a.resizedWidth());
            assertThat(a.top()).isBetween(0, SIZE - a.resizedHeight());
            lefts.add(a.left());
            byte[] expectedMask = new byte[SIZE * SIZE];
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    boolean inside = x >= a.left() && x < a.left() + a.resizedWidth() && y >= a.top()
                            && y < a.top() + a.resizedHeight();
                    expectedMask[y * SIZE + x] = (byte) (inside ? 0 : 1);
                }
            }
            assertThat(p.pixelMask()).isEqualTo(expectedMask);
        }
        assertThat(lefts.size()).isGreaterThan(20);
    }

    @Test
    void withoutAugmentationsOrJitterItIsTheEvalTransform() {
        BufferedImage image = scene(448, 173, new Box(40, 30, 90, 100), 5);
        Box box = new Box(40, 30, 90, 100);
        TrainTransform transform = new TrainTransform(AugmentConfig.none(SIZE));
        Prepared eval = new EvalTransform(SIZE).apply(image, box, NEUTRAL, new SplittableRandom(0));
        int checked = 0;
        for (int seed = 0; seed < 20; seed++) {
            Prepared p = transform.apply(image, box, NEUTRAL, new SplittableRandom(seed));
            if (!p.augmentation().colour().isEmpty()) {
                continue;
            }
            checked++;
            assertThat(p.pixels()).isEqualTo(eval.pixels());
            assertThat(p.pixelMask()).isEqualTo(eval.pixelMask());
            assertThat(p.box()).isEqualTo(eval.box());
            assertThat(p.augmentation()).isEqualTo(eval.augmentation());
        }
        assertThat(checked).isGreaterThan(0);
    }

    @Test
    void withJitterTurnedOffEverySeedGivesTheEvalTransform() {
        BufferedImage image = scene(448, 173, new Box(40, 30, 90, 100), 5);
        Box box = new Box(40, 30, 90, 100);
        AugmentConfig plain = new AugmentConfig(SIZE, false, false, false, false, false, false);
        TrainTransform transform = new TrainTransform(plain);
        assertThat(plain.deterministic()).isTrue();
        assertThat(transform.deterministic()).isTrue();
        Prepared eval = new EvalTransform(SIZE).apply(image, box, NEUTRAL, new SplittableRandom(0));
        for (int seed = 0; seed < 10; seed++) {
            Prepared p = transform.apply(image, box, NEUTRAL, new SplittableRandom(seed));
            assertThat(p.augmentation().colour()).isEmpty();
            assertThat(p.pixels()).isEqualTo(eval.pixels());
            assertThat(p.box()).isEqualTo(eval.box());
        }
    }

    @Test
    void theLayoutFollowsFromTheImageSizeAsApplyingGivesIt() {
        TrainTransform plain = new TrainTransform(new AugmentConfig(SIZE, false, false, false, false, false, false));
        EvalTransform eval = new EvalTransform(SIZE);
        int[][] sizes = {{448, 173}, {120, 300}, {SIZE, SIZE}, {57, 57}, {1000, 999}};
        for (int[] wh : sizes) {
            Box box = new Box(wh[0] * 0.2, wh[1] * 0.3, wh[0] * 0.7, wh[1] * 0.9);
            BufferedImage image = scene(wh[0], wh[1], box, 3);
            for (SampleTransform t : List.of(plain, eval)) {
                Prepared p = t.apply(image, box, "the ship", new SplittableRandom(1));
                SampleTransform.Layout layout = t.layout(wh[0], wh[1], box, "the ship");
                assertThat(layout.pixelMask()).as("%s x %s", wh[0], wh[1]).isEqualTo(p.pixelMask());
                assertThat(layout.box()).isEqualTo(p.box());
                assertThat(layout.query()).isEqualTo(p.query());
            }
        }
        // with anything random left, the pixels are needed
        assertThat(new TrainTransform(AugmentConfig.none(SIZE)).layout(100, 100, new Box(1, 1, 5, 5), "x")).isNull();
    }

    @Test
    void jitterAppliesEachEnhancementOnceInARandomOrder() {
        TrainTransform transform = new TrainTransform(AugmentConfig.none(SIZE));
        BufferedImage image = scene(224, 224, new Box(40, 30, 90, 100), 5);
        byte[] original = RgbConverter.bgrBytes(image);
        java.util.Set<List<PilEnhance.Kind>> orders = new java.util.HashSet<>();
        int jittered = 0;
        for (int seed = 0; seed < 200; seed++) {
            Prepared p = transform.apply(image, new Box(40, 30, 90, 100), NEUTRAL, new SplittableRandom(seed));
            List<Augmentation.Jitter> colour = p.augmentation().colour();
            if (colour.isEmpty()) {
                continue;
            }
            jittered++;
            assertThat(colour).extracting(Augmentation.Jitter::kind)
                    .containsExactlyInAnyOrder(PilEnhance.Kind.values());
            assertThat(colour).allSatisfy(j -> assertThat(j.factor()).isBetween(0.6, 1.4));
            orders.add(colour.stream().map(Augmentation.Jitter::kind).toList());
            // the output is the enhancements applied in that order (224 x 224: no resize, centred)
            byte[] expected = original;
            for (Augmentation.Jitter j : colour) {
                expected = PilEnhance.apply(j.kind(), expected, j.factor());
            }
            assertThat(p.pixels()).isEqualTo(Canvas.paste(expected, SIZE, SIZE, SIZE, 0, 0).pixels());
        }
        assertThat(jittered).isBetween(140, 180); // probability 0.8
        assertThat(orders).hasSize(6);
        assertThat(original).isEqualTo(RgbConverter.bgrBytes(scene(224, 224, new Box(40, 30, 90, 100), 5)));
    }

    @Test
    void flipMirrorsImageAndBoxAndSwapsTheWords() {
        assertThat(TrainTransform.swapLeftRight("the ship on the left of the right tank"))
                .isEqualTo("the ship on the right of the left tank");
        assertThat(TrainTransform.swapLeftRight("leftmost plane, rightmost one")).isEqualTo("rightmost plane, leftmost one");
        assertThat(TrainTransform.swapLeftRight("Left-hand LEFT bright leftover copyright"))
                .isEqualTo("Right-hand RIGHT bright leftover copyright");

        Box object = new Box(60, 40, 130, 90);
        BufferedImage image = scene(320, 200, object, 8);
        String query = "the red field on the left";
        TrainTransform plain = new TrainTransform(new AugmentConfig(SIZE, false, false, false, true, false));
        TrainTransform flipping = new TrainTransform(new AugmentConfig(SIZE, false, false, false, true, true));
        int flipped = 0;
        int kept = 0;
        for (int seed = 0; seed < 16; seed++) {
            Prepared a = plain.apply(image, object, query, new SplittableRandom(seed));
            Prepared b = flipping.apply(image, object, query, new SplittableRandom(seed));
            Augmentation g = a.augmentation();
            // the same draws up to the flip: same sizes, colours, blur; centred, so the same offsets
            assertThat(b.augmentation().colour()).isEqualTo(g.colour());
            assertThat(b.augmentation().blurSigma()).isEqualTo(g.blurSigma());
            if (!b.augmentation().flipped()) {
                kept++;
                assertThat(b.pixels()).isEqualTo(a.pixels());
                assertThat(b.query()).isEqualTo(query);
                continue;
            }
            flipped++;
            assertThat(b.query()).isEqualTo("the red field on the right");
            int plane = SIZE * SIZE;
            float[] mirrored = a.pixels().clone();
            for (int c = 0; c < 3; c++) {
                for (int y = g.top(); y < g.top() + g.resizedHeight(); y++) {
                    for (int x = 0; x < g.resizedWidth(); x++) {
                        mirrored[c * plane + y * SIZE + g.left() + x] =
                                a.pixels()[c * plane + y * SIZE + g.left() + g.resizedWidth() - 1 - x];
                    }
                }
            }
            assertThat(b.pixels()).isEqualTo(mirrored);
            Box boxA = a.canvasBox();
            Box boxB = b.canvasBox();
            double mirrorAxis = 2 * g.left() + g.resizedWidth(); // x -> axis - x on the canvas
            assertThat(boxB.x1()).isCloseTo(mirrorAxis - boxA.x2(), org.assertj.core.api.Assertions.within(1e-9));
            assertThat(boxB.x2()).isCloseTo(mirrorAxis - boxA.x1(), org.assertj.core.api.Assertions.within(1e-9));
            assertThat(boxB.y1()).isCloseTo(boxA.y1(), org.assertj.core.api.Assertions.within(1e-12));
            assertThat(boxB.y2()).isCloseTo(boxA.y2(), org.assertj.core.api.Assertions.within(1e-12));
        }
        assertThat(flipped).isPositive();
        assertThat(kept).isPositive();
    }

    @Test
    void theSameSeedGivesIdenticalArrays() {
        Box object = new Box(200, 150, 360, 250);
        BufferedImage image = scene(640, 480, object, 1);
        byte[] before = RgbConverter.bgrBytes(image).clone();
        TrainTransform transform = new TrainTransform(new AugmentConfig(SIZE, true, true, true, true, true));
        int differs = 0;
        for (int seed = 0; seed < 10; seed++) {
            Prepared a = transform.apply(image, object, NEUTRAL, new SplittableRandom(seed));
            Prepared b = transform.apply(image, object, NEUTRAL, new SplittableRandom(seed));
            assertThat(b.pixels()).isEqualTo(a.pixels());
            assertThat(b.pixelMask()).isEqualTo(a.pixelMask());
            assertThat(b.box()).isEqualTo(a.box());
            assertThat(b.augmentation()).isEqualTo(a.augmentation());
            Prepared other = transform.apply(image, object, NEUTRAL, new SplittableRandom(seed + 1000));
            differs += Arrays.equals(other.pixels(), a.pixels()) ? 0 : 1;
        }
        assertThat(differs).isEqualTo(10);
        assertThat(RgbConverter.bgrBytes(image)).isEqualTo(before); // the input is never written to
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.api.Assertions.within(1e-12);
    }
}
