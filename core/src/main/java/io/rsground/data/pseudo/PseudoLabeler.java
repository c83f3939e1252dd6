package io.rsground.data.pseudo;

import io.rsground.box.Box;
import io.rsground.data.ProgressListener;
import io.rsground.data.Problem;
import io.rsground.data.pseudo.PseudoExpression.Source;
import io.rsground.data.pseudo.PseudoExpression.Wording;
import io.rsground.data.pseudo.PseudoPlanner.Item;
import io.rsground.data.pseudo.PseudoPlanner.Outcome;
import io.rsground.image.Images;
import io.rsground.util.Seeds;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Turns detection labels into referring expressions that single out one annotated object each, written in the
 * DIOR-RSVG layout ({@link PseudoWriter}). Per image: the image is decoded (colours are measured from its pixels),
 * each object's colour measured ({@link ColourMeter}), and for each object and each source an expression planned
 * ({@link PseudoPlanner}) that no other annotated object of the image fits; objects without one are counted by
 * reason. The same seed gives the same output.
 */
public final class PseudoLabeler {

    /** How far (pixels) a box may reach outside its image before it is a bad label rather than clamped. */
    public static final double BOX_TOLERANCE_PX = 1.0;

    private PseudoLabeler() {
    }

    /**
     * What to read and write.
     *
     * @param dataRoot the detection data's folder
     * @param format its label format
     * @param out the output folder (new or empty, unless {@code overwrite})
     * @param sources the sources to write, in output order within an object
     * @param perImage at most this many expressions per image, 0 for no limit
     * @param seed the seed of every random choice (wordings, the per-image limit, splits)
     * @param overwrite whether an existing output of an earlier run may be replaced
     * @param heldOut file names of images to leave out (those a grounding data set evaluates on), never null
     * @param minScore detections scored below this are dropped before planning, as if the detector had not found
     *     them (annotations score 1)
     * @param wording plain (one wording per attribute, as CLIP-VG's templates) or varied
     */
    public record Options(Path dataRoot, DetectionFormat format, Path out, Set<Source> sources, int perImage,
            long seed, boolean overwrite, Set<String> heldOut, double minScore, Wording wording) {

        /** Options that hold no image out, keep every detection and vary the wording. */
        public Options(Path dataRoot, DetectionFormat format, Path out, Set<Source> sources, int perImage, long seed,
                boolean overwrite) {
            this(dataRoot, format, out, sources, perImage, seed, overwrite, Set.of(), 0, Wording.VARIED);
        }

        /** Checks the fields. */
        public Options {
            Objects.requireNonNull(dataRoot, "dataRoot");
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(out, "out");
            Objects.requireNonNull(wording, "wording");
            if (sources == null || sources.isEmpty()) {
                throw new IllegalArgumentException("name at least one source: template, relation");
            }
            sources = Set.copyOf(EnumSet.copyOf(sources));
            heldOut = Set.copyOf(heldOut);
            if (perImage < 0) {
                throw new IllegalArgumentException("--per-image must be >= 0 (0: no limit), got " + perImage);
            }
            if (!(minScore >= 0 && minScore <= 1)) {
                throw new IllegalArgumentException("--min-score must lie in [0, 1], got " + minScore);
            }
        }
    }

    /**
     * One expression planned for an object.
     *
     * @param object the object's number in its image, from 0
     * @param className its class label
     * @param box its box, corner format {@code x1,y1,x2,y2}, pixels, clamped to the image
     * @param expression what the expression says
     * @param score the detector's confidence in the object, in [0, 1]; 1 for an annotated object
     */
    public record Labelled(int object, String className, Box box, PseudoExpression expression, double score) {
        /** @return the expression's text */
        public String text() {
            return expression.text();
        }
    }

    /**
     * One image's expressions.
     *
     * @param image the image with its labels
     * @param width image width, pixels
     * @param height image height, pixels
     * @param labelled its expressions, by object then source
     */
    public record LabelledImage(DetectionImage image, int width, int height, List<Labelled> labelled) {
    }

    /** Counts of a run: expressions written and objects skipped, per source. */
    public static final class Tally {
        final Map<Source, Integer> written = new EnumMap<>(Source.class);
        final Map<Source, Map<SkipReason, Integer>> skipped = new EnumMap<>(Source.class);
        int objects;
        int objectsWithout;
        int heldOut;
        int belowScore;

        /** @return detections dropped for a score below {@link Options#minScore()} */
        public int belowScore() {
            return belowScore;
        }

        /** @return images left out because a grounding data set evaluates on them */
        public int heldOut() {
            return heldOut;
        }

        void skip(Source s, SkipReason r) {
            skipped.computeIfAbsent(s, k -> new EnumMap<>(SkipReason.class)).merge(r, 1, Integer::sum);
        }

        /** @return expressions written per source */
        public Map<Source, Integer> written() {
            return written;
        }

        /** @return per source, objects without an expression of it, by reason */
        public Map<Source, Map<SkipReason, Integer>> skipped() {
            return skipped;
        }

        /** @return annotated objects of the images read */
        public int objects() {
            return objects;
        }

        /** @return objects with no expression of any source */
        public int objectsWithout() {
            return objectsWithout;
        }
    }

    /**
     * Reads the detection data, plans the expressions and writes them.
     *
     * @param options what to read and write
     * @param progress told after each image
     * @return what was written and skipped
     * @throws IOException when the data cannot be listed or the output cannot be written
     */
    public static PseudoWriter.Summary run(Options options, ProgressListener progress) throws IOException {
        PseudoWriter.prepare(options.out(), options.dataRoot(), options.overwrite());
        DetectionSet data = options.format().read(options.dataRoot());
        List<Problem> problems = new ArrayList<>(data.problems());
        Tally tally = new Tally();
        List<LabelledImage> done = new ArrayList<>();
        int total = data.images().size();
        for (int i = 0; i < total; i++) {
            DetectionImage image = data.images().get(i);
            if (options.heldOut().contains(image.imageFile().getFileName().toString())) {
                tally.heldOut++;
                progress.progress(i + 1, total);
                continue;
            }
            LabelledImage li = label(image, options, tally, problems);
            if (li != null) {
                done.add(li);
            }
            progress.progress(i + 1, total);
        }
        return PseudoWriter.write(options, done, tally, problems);
    }

    /** @return the image's expressions, or {@code null} after recording why the image was skipped */
    static LabelledImage label(DetectionImage image, Options options, Tally tally, List<Problem> problems) {
        BufferedImage pixels;
        try {
            pixels = Images.read(image.imageFile());
        } catch (IOException e) {
            problems.add(new Problem(image.labelFile(), null, null, "image " + image.imageFile()
                    + " cannot be read, the file is skipped: " + e.getMessage()));
            return null;
        }
        int width = pixels.getWidth();
        int height = pixels.getHeight();
        List<Item> items = items(image, pixels, options.minScore(), tally, problems);
        if (items == null) {
            return null;
        }
        SplittableRandom rng = new SplittableRandom(Seeds.mix64(options.seed() * 0x9E3779B97F4A7C15L
                + Seeds.mix64(image.id().hashCode())));
        List<Labelled> out = new ArrayList<>();
        for (Item o : items) {
            tally.objects++;
            boolean any = false;
            for (Source s : EnumSet.copyOf(options.sources())) {
                Outcome r = s == Source.TEMPLATE
                        ? PseudoPlanner.template(o, items, width, height, rng, options.wording())
                        : PseudoPlanner.relation(o, items, width, height, rng, options.wording());
                if (r.expression() == null) {
                    tally.skip(s, r.skipped());
                } else {
                    out.add(new Labelled(o.index(), o.className(), o.box(), r.expression(), o.score()));
                    any = true;
                }
            }
            tally.objectsWithout += any ? 0 : 1;
        }
        List<Labelled> kept = limit(out, options.perImage(), rng, tally);
        kept.forEach(l -> tally.written.merge(l.expression().source(), 1, Integer::sum));
        return new LabelledImage(image, width, height, kept);
    }

    /**
     * @return the image's objects scored at least {@code minScore}, clamped to it, with their colours, or
     *     {@code null} when a box lies outside
     */
    private static List<Item> items(DetectionImage image, BufferedImage pixels, double minScore, Tally tally,
            List<Problem> problems) {
        int width = pixels.getWidth();
        int height = pixels.getHeight();
        List<Item> items = new ArrayList<>();
        for (Detection d : image.objects()) {
            if (d.score() < minScore) {
                tally.belowScore++;
                continue;
            }
            Box b = d.box();
            Box clamped = b.clamp(0, 0, width, height);
            if (b.x1() < -BOX_TOLERANCE_PX || b.y1() < -BOX_TOLERANCE_PX || b.x2() > width + BOX_TOLERANCE_PX
                    || b.y2() > height + BOX_TOLERANCE_PX || clamped.width() <= 0 || clamped.height() <= 0) {
                problems.add(new Problem(image.labelFile(), d.line() > 0 ? d.line() : null, null, String.format(
                        Locale.ROOT, "box (%.1f, %.1f, %.1f, %.1f) reaches outside the %dx%d image by more than "
                                + "%.0f px; the file is skipped", b.x1(), b.y1(), b.x2(), b.y2(), width, height,
                        BOX_TOLERANCE_PX)));
                return null;
            }
            String words = ClassWords.of(d.className());
            ColourMeter.Measured colour = ColourMeter.NOT_BY_COLOUR.contains(words) ? null
                    : ColourMeter.measure(pixels, clamped);
            items.add(new Item(items.size(), d.className(), clamped, colour, d.score()));
        }
        return items;
    }

    /** @return at most {@code perImage} of the expressions, chosen at random, in their order */
    private static List<Labelled> limit(List<Labelled> all, int perImage, SplittableRandom rng, Tally tally) {
        if (perImage == 0 || all.size() <= perImage) {
            return all;
        }
        int[] order = new int[all.size()];
        Arrays.setAll(order, i -> i);
        for (int i = order.length - 1; i > 0; i--) { // Fisher-Yates: the first perImage places are kept
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        boolean[] keep = new boolean[all.size()];
        for (int i = 0; i < perImage; i++) {
            keep[order[i]] = true;
        }
        List<Labelled> kept = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (keep[i]) {
                kept.add(all.get(i));
            } else {
                tally.skip(all.get(i).expression().source(), SkipReason.PER_IMAGE_LIMIT);
            }
        }
        return kept;
    }
}
