package io.rsground.cli;

import io.rsground.data.Problem;
import io.rsground.data.pseudo.DetectionFormat;
import io.rsground.data.pseudo.PseudoExpression.Source;
import io.rsground.data.pseudo.PseudoExpression.Wording;
import io.rsground.data.pseudo.PseudoLabeler;
import io.rsground.data.pseudo.PseudoWriter;
import io.rsground.data.pseudo.SkipReason;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import io.rsground.data.GroundingDataset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rsground pseudo}: referring expressions from detection labels, in the DIOR-RSVG layout. */
@Command(name = "pseudo", mixinStandardHelpOptions = true,
        description = "Write referring expressions that single out one annotated object each (pseudo-labels) "
                + "from detection labels (Pascal VOC, DOTA or COCO), in the DIOR-RSVG layout (Annotations/, "
                + "JPEGImages/ as hard links, splits/ train 70%% / val 10%% / test 20%% by image, pseudo.jsonl).",
        footer = {"  ./rsground pseudo --data-root DIOR --format voc --out pseudo \\",
            "      --hold-out DIOR-RSVG"})
final class PseudoCommand implements Callable<Integer> {
    /** Problems printed one by one before the rest are counted. */
    static final int MAX_PROBLEMS_SHOWN = 20;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-root", required = true, paramLabel = "ROOT",
            description = "detection data: VOC Annotations/ + JPEGImages/, DOTA labelTxt/ + images/, or COCO "
                    + "annotations.json + images/")
    Path dataRoot;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (new or empty)")
    Path out;

    @Option(names = "--format", defaultValue = "voc", paramLabel = "voc|dota|coco",
            description = "label format")
    String format;

    @Option(names = "--sources", defaultValue = "template,relation", split = ",", paramLabel = "SOURCE",
            description = "expression sources: template (class, colour, size, position), relation (by the "
                    + "nearest nameable object of another class)")
    List<String> sources;

    @Option(names = "--per-image", defaultValue = "0", paramLabel = "N",
            description = "at most N expressions per image, chosen at random; 0: all")
    int perImage;

    @Option(names = "--seed", defaultValue = "0", description = "random seed")
    long seed;

    @Option(names = "--overwrite", description = "replace the output of an earlier run in --out")
    boolean overwrite;

    @Option(names = "--hold-out", paramLabel = "ROOT", description = "leave out the images of this grounding data "
            + "set's val and test splits (matched by file name), so that it can evaluate models trained on the "
            + "pseudo-labels")
    Path holdOut;

    @Option(names = "--min-score", defaultValue = "0", paramLabel = "S", description = "drop detections whose "
            + "'score' (COCO; a detector's confidence) is below S before planning; annotations score 1")
    double minScore;

    @Option(names = "--wording", defaultValue = "varied", paramLabel = "W", description = "plain: one wording per "
            + "attribute and superlatives of size only, as CLIP-VG's templates; varied (default): also leftmost, "
            + "uppermost, ... among the class, and each part in one of the ways people say it")
    String wording;

    @Override
    public Integer call() throws Exception {
        Set<Source> chosen = EnumSet.noneOf(Source.class);
        sources.forEach(s -> chosen.add(Source.of(s)));
        Set<String> heldOut = new java.util.HashSet<>();
        if (holdOut != null) {
            GroundingDataset human = GroundingDataset.open(holdOut, null);
            for (String split : List.of("val", "test")) {
                human.split(split).forEach(x -> heldOut.add(x.imageFile().getFileName().toString()));
            }
        }
        PseudoLabeler.Options options = new PseudoLabeler.Options(dataRoot, DetectionFormat.of(format), out, chosen,
                perImage, seed, overwrite, heldOut, minScore, Wording.of(wording));
        PseudoWriter.Summary s;
        try (Progress progress = new Progress("pseudo", 0, "images")) {
            s = PseudoLabeler.run(options, progress);
        }
        print(s, spec.commandLine().getOut(), spec.commandLine().getErr());
        return Errors.OK;
    }

    static void print(PseudoWriter.Summary s, PrintWriter out, PrintWriter err) {
        List<Problem> problems = s.problems();
        for (int i = 0; i < Math.min(problems.size(), MAX_PROBLEMS_SHOWN); i++) {
            err.println("skipped: " + problems.get(i));
        }
        if (problems.size() > MAX_PROBLEMS_SHOWN) {
            err.println("skipped: ... and " + (problems.size() - MAX_PROBLEMS_SHOWN) + " more problems");
        }
        out.printf(Locale.ROOT, "wrote %d expressions on %d of %d images to %s (%d objects; %d with no "
                + "expression); splits %s; images %s%n", s.expressions(), s.imagesWritten(), s.imagesRead(), s.out(),
                s.tally().objects(), s.tally().objectsWithout(), s.splitExpressions(),
                s.copied() == 0 ? "hard-linked" : s.linked() + " hard-linked, " + s.copied() + " copied");
        if (s.tally().belowScore() > 0) {
            out.printf(Locale.ROOT, "  %d detections below --min-score dropped%n", s.tally().belowScore());
        }
        if (s.tally().heldOut() > 0) {
            out.printf(Locale.ROOT, "  %d images held out (val and test images of --hold-out)%n", s.tally().heldOut());
        }
        for (Map.Entry<Source, Integer> w : s.tally().written().entrySet()) {
            out.printf(Locale.ROOT, "  %s: %d written%n", w.getKey().word(), w.getValue());
        }
        for (Map.Entry<Source, Map<SkipReason, Integer>> e : s.tally().skipped().entrySet()) {
            for (Map.Entry<SkipReason, Integer> r : e.getValue().entrySet()) {
                out.printf(Locale.ROOT, "  %s: %d objects skipped: %s%n", e.getKey().word(), r.getValue(),
                        r.getKey().description());
            }
        }
        if (!problems.isEmpty()) {
            out.printf(Locale.ROOT, "  %d problems in the labels (listed on stderr); those files were skipped%n",
                    problems.size());
        }
    }
}
