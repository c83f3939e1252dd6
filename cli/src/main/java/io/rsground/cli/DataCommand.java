package io.rsground.cli;

import io.rsground.data.CheckReport;
import io.rsground.data.DatasetChecker;
import io.rsground.data.Problem;
import io.rsground.data.pseudo.DetectionFormat;
import io.rsground.data.pseudo.DetectorSimulator;
import io.rsground.data.pseudo.SimulatedDetections;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rsground data}: data set tools. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Data set tools.",
        subcommands = {DataCommand.Check.class, DataCommand.SimulateDetector.class},
        footer = {"  ./rsground data check --data-root DIOR-RSVG"})
final class DataCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code rsground data check}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Read a DIOR-RSVG-layout folder, decode every referenced image and report every problem."
                    + " Exit 0 when clean, 2 when any problem.",
            footer = {"  ./rsground data check --data-root DIOR-RSVG --quick",
                "  ./rsground data check --data-root DIOR-RSVG --splits my-splits --json"})
    static final class Check implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--data-root", required = true, paramLabel = "ROOT",
                description = "folder holding JPEGImages/ and Annotations/")
        Path root;

        @Option(names = "--splits", paramLabel = "DIR", description = "folder of train/val/test.txt "
                + "(default: ROOT/splits)")
        Path splits;

        @Option(names = "--json", description = "print one JSON object on stdout")
        boolean json;

        @Option(names = "--quick", description = "read image headers only instead of decoding whole images")
        boolean quick;

        @Override
        public Integer call() throws Exception {
            CheckReport report;
            try (Progress progress = new Progress("check", 0, "images")) {
                report = DatasetChecker.check(root, splits, quick, progress);
            }
            spec.commandLine().getOut().println(json ? report.toJson() : report.toText());
            return report.exitCode();
        }
    }

    /** {@code rsground data simulate-detector}. */
    @Command(name = "simulate-detector", mixinStandardHelpOptions = true,
            description = "Put a detector's mistakes onto detection labels (missed objects, moved and resized boxes, "
                    + "swapped classes, false detections, overlapping scores) and write them as COCO JSON with scores "
                    + "(OUT/annotations.json), for 'rsground pseudo --format coco': pseudo-labels as wrong as those "
                    + "made from a real detector's boxes. Each detection also records what it truly is.",
            footer = {"  ./rsground data simulate-detector --data-root demo-out/data --out detections",
                "  ./rsground pseudo --data-root detections --format coco --min-score 0.3 --out pseudo \\",
                "      --hold-out demo-out/data"})
    static final class SimulateDetector implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--data-root", required = true, paramLabel = "ROOT", description = "detection labels")
        Path root;

        @Option(names = "--format", defaultValue = "voc", paramLabel = "voc|dota|coco", description = "label format")
        String format;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "folder for annotations.json")
        Path out;

        @Option(names = "--miss", defaultValue = "0.1", paramLabel = "P",
                description = "probability that an object is not detected")
        double miss;

        @Option(names = "--jitter", defaultValue = "0.1", paramLabel = "S", description = "standard deviation of "
                + "the centre shift, as a share of the box's side, and of the log scale of each side")
        double jitter;

        @Option(names = "--confuse", defaultValue = "0.05", paramLabel = "P",
                description = "probability that a detected object gets another class")
        double confuse;

        @Option(names = "--false-per-image", defaultValue = "0.3", paramLabel = "N",
                description = "mean number of false detections per image")
        double falsePerImage;

        @Option(names = "--seed", defaultValue = "0", description = "random seed")
        long seed;

        @Option(names = "--overwrite", description = "replace OUT/annotations.json of an earlier run")
        boolean overwrite;

        @Override
        public Integer call() throws Exception {
            SimulatedDetections.Summary s;
            try (Progress progress = new Progress("simulate", 0, "images")) {
                s = SimulatedDetections.run(new SimulatedDetections.Options(root, DetectionFormat.of(format), out,
                        new DetectorSimulator.ErrorRates(miss, jitter, confuse, falsePerImage), seed, overwrite),
                        progress);
            }
            List<Problem> problems = s.problems();
            problems.stream().limit(PseudoCommand.MAX_PROBLEMS_SHOWN).forEach(p -> spec.commandLine().getErr()
                    .println("skipped: " + p));
            spec.commandLine().getOut().printf(Locale.ROOT, "wrote %d detections on %d images to %s: %d of %d "
                    + "objects found (%d with another class), %d false; %.1f %% right (class and IoU >= %.1f)%n",
                    s.detections(), s.images(), s.file(), s.found(), s.objects(), s.swapped(), s.falseDetections(),
                    100.0 * s.right() / Math.max(1, s.detections()), DetectorSimulator.RIGHT_IOU);
            return Errors.OK;
        }
    }
}
