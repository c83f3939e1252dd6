package io.rsground.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.config.TrainConfig;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.data.synth.SceneOptions;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import io.rsground.train.TrainingRun;
import io.rsground.weights.RsgroundCheckpoint;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rsground demo}: the whole job on a fresh machine: draw a synthetic data set, train a from-scratch tiny
 * CLIP-VG with the demo recipe, evaluate it on the held-out split, and leave the pictures and numbers behind.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draw a synthetic DIOR-RSVG-layout data set, train a from-scratch tiny CLIP-VG on the CPU with "
                + "the demo recipe, evaluate it on the held-out test split, and write the data, checkpoints, "
                + "metrics.json, report.md, plots and a prediction grid into the output folder.")
final class DemoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", defaultValue = "demo-out", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--minutes", defaultValue = "" + DemoDefaults.MINUTES,
            description = "training time budget in minutes (default: ${DEFAULT-VALUE})")
    double minutes;
    @Option(names = "--images", defaultValue = "" + DemoDefaults.IMAGES,
            description = "synthetic images to draw (default: ${DEFAULT-VALUE})")
    int images;
    @Option(names = "--size", defaultValue = "" + DemoDefaults.SCENE_SIZE,
            description = "side of the synthetic images in pixels (default: ${DEFAULT-VALUE})")
    int size;
    @Option(names = "--zoom", defaultValue = "" + DemoDefaults.ZOOM,
            description = "object size factor of the synthetic scenes (default: ${DEFAULT-VALUE})")
    double zoom;
    @Option(names = "--crowding", defaultValue = "" + DemoDefaults.CROWDING,
            description = "share of extra objects per class in the synthetic scenes (default: ${DEFAULT-VALUE})")
    double crowding;
    @Option(names = "--preset", defaultValue = DemoDefaults.PRESET,
            description = "architecture (default: ${DEFAULT-VALUE})")
    String preset;
    @Option(names = {"--data-root", "--data_root"}, paramLabel = "ROOT",
            description = "run the recipe on this DIOR-RSVG-layout folder instead of drawing one")
    Path dataRoot;
    @Option(names = "--splits", paramLabel = "DIR") Path splits;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = {"--num-workers", "--num_workers"}, defaultValue = "2") int workers;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        Files.createDirectories(out);
        Path root = dataRoot != null ? dataRoot : out.resolve("data");
        if (dataRoot == null) {
            draw(root, o);
        }
        Path trainDir = out.resolve("train");
        RsgroundCheckpoint.deleteTree(trainDir);
        double trainMinutes = Math.max(0.5, minutes - (System.nanoTime() - start) / 60e9);
        TrainConfig config = DemoDefaults.trainConfig(root.toString(), splits == null ? null : splits.toString(),
                trainDir.toString(), preset, trainMinutes, seed, workers);
        o.printf(Locale.ROOT, "training for up to %.1f minutes (recipe '%s', preset %s) ...%n", trainMinutes,
                config.recipe(), preset);
        o.flush();
        int code = TrainCommand.train(config, o, err);
        if (code != Errors.OK) {
            return code;
        }

        List<Sample> test = DiorRsvgDataset.open(root, splits).split("test");
        Path best = trainDir.resolve(TrainingRun.BEST);
        EvalReport report;
        try (LoadedModel loaded = ModelLoader.load(ModelLoader.Request.of(best));
                Progress progress = new Progress("eval test", test.size(), "samples")) {
            report = Evaluator.evaluate(loaded.model(), loaded.manager(), loaded.tokenizer(), test, "test", 64,
                    workers, done -> progress.progress(done, test.size()));
        }
        EvalCommand.write(report, out.resolve("metrics.json"), out.resolve("predictions.jsonl"),
                out.resolve("report.md"));
        VisualizeCommand.write(report, root, 16, false, 240, out.resolve("grid.png"));
        VisualizeCommand.write(report, root, 16, true, 240, out.resolve("grid-worst.png"));

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        o.println();
        o.println("demo finished in " + Progress.format(took) + ": " + report.headline());
        o.println("  data            " + root);
        o.println("  checkpoints     " + trainDir.resolve(TrainingRun.LAST) + ", " + best);
        o.println("  metrics         " + out.resolve("metrics.json") + ", " + out.resolve("report.md"));
        o.println("  plots           " + trainDir.resolve("loss.png") + ", " + trainDir.resolve("metrics.png"));
        o.println("  predictions     " + out.resolve("grid.png") + " (first 16), " + out.resolve("grid-worst.png")
                + " (worst 16)");
        o.println("  try it          ./rsground predict --weights " + best + " --image "
                + test.get(0).imageFile() + " --query \"" + test.get(0).query() + "\"");
        return Errors.OK;
    }

    /**
     * @param p a data set's {@code synth.json}
     * @return true when this generator version drew it with this run's parameters (older files have no version)
     */
    boolean drawnAlike(JsonNode p) {
        return p.path("version").asInt(1) == SceneGenerator.VERSION && p.path("seed").asLong() == seed
                && p.path("images").asInt() == images && p.path("size").asInt() == size
                && p.path("zoom").asDouble() == zoom && p.path("crowding").asDouble() == crowding;
    }

    /** Draws the synthetic data set, reusing one drawn before by this generator version with the same parameters. */
    private void draw(Path root, PrintWriter o) throws Exception {
        Path params = root.resolve("synth.json");
        if (Files.exists(params) && drawnAlike(new ObjectMapper().readTree(params.toFile()))) {
            o.println("reusing the synthetic data set in " + root);
            return;
        }
        RsgroundCheckpoint.deleteTree(root);
        SceneGenerator.Summary s;
        try (Progress progress = new Progress("synth", images, "images")) {
            s = SceneGenerator.generate(root, images, size, seed, Math.min(2,
                    Runtime.getRuntime().availableProcessors()), new SceneOptions(zoom, crowding), progress);
        }
        o.printf(Locale.ROOT, "drew %d images (%d referring expressions: %s) in %.0f s%n", s.images(),
                s.objectsDescribed(), s.splitObjects(), s.seconds());
    }
}
