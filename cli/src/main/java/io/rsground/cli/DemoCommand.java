package io.rsground.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.config.ModelConfigs;
import io.rsground.config.TrainConfig;
import io.rsground.config.TrainConfigBuilder;
import io.rsground.data.GroundingDataset;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.data.synth.SceneOptions;
import io.rsground.eval.EvalReport;
import io.rsground.eval.PredictionGrid;
import io.rsground.infer.ModelLoader;
import io.rsground.scratch.ScratchArchitecture;
import io.rsground.scratch.VisionPretrainingStage;
import io.rsground.train.Recipes;
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
                + "the demo recipe (a plan fixed in steps: the same seed gives the same numbers on any machine), "
                + "evaluate it on the held-out test split, and write the data, checkpoints, metrics.json, report.md, "
                + "plots and prediction grids into the output folder.",
        footer = {"  ./rsground demo",
            "  ./rsground demo --out demo-out --minutes 10"})
final class DemoCommand implements Callable<Integer> {
    /** Images the demo draws. */
    static final int IMAGES = 4800;
    /** Side of the drawn scenes, pixels. */
    static final int SCENE_SIZE = 256;
    /**
     * Objects drawn four times their DIOR size in 800 px: a vehicle is 10-19 px at the 128-px input, still smaller
     * than DIOR-RSVG's vehicles at a 640-px input (12-24 px).
     */
    static final double ZOOM = 4.0;
    static final double CROWDING = 0.4;
    /** With a time budget, the share of it that goes to vision pre-training. */
    static final double PRETRAIN_SHARE = 0.6;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", defaultValue = "demo-out", description = "output folder")
    Path out;
    @Option(names = "--overwrite", description = "replace an earlier demo's training run and results in the output "
            + "folder (its drawn data set is reused either way)")
    boolean overwrite;
    @Option(names = "--images", defaultValue = "" + IMAGES,
            description = "synthetic images to draw")
    int images;
    @Option(names = "--size", defaultValue = "" + SCENE_SIZE,
            description = "side of the synthetic images in pixels")
    int size;
    @Option(names = "--zoom", defaultValue = "" + ZOOM,
            description = "object size factor of the synthetic scenes")
    double zoom;
    @Option(names = "--crowding", defaultValue = "" + CROWDING,
            description = "share of extra objects per class in the synthetic scenes")
    double crowding;
    @Option(names = "--preset", description = "architecture (default: the recipe's, tiny; another preset gets the "
            + "convolutional stem of its own tower, one text layer and no fusion dropout)")
    String preset;
    @Option(names = "--pretrain-vision-steps", paramLabel = "N", description = "steps of vision pre-training "
            + "(default: the recipe's)")
    Integer pretrainSteps;
    @Option(names = "--epochs", paramLabel = "N", description = "epochs of the grounding stage (default: the "
            + "recipe's)")
    Integer epochs;
    @Option(names = "--minutes", defaultValue = "0", description = "instead of the plan in steps, a wall-time "
            + "budget for the training run, as train --minutes (three fifths of it for vision pre-training)")
    double minutes;
    @Option(names = {"--data-root", "--data_root"}, paramLabel = "ROOT",
            description = "run the recipe on this DIOR-RSVG-layout folder instead of drawing one")
    Path dataRoot;
    @Option(names = "--splits", paramLabel = "DIR", description = "with --data-root: folder of train/val/test.txt "
            + "(default: ROOT/splits)") Path splits;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the drawn scenes and of the training run")
    long seed;
    @Option(names = {"--num-workers", "--num_workers"}, defaultValue = "2", description = "image-loading threads")
    int workers;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        long start = System.nanoTime();
        Path trainDir = out.resolve("train");
        if (!overwrite && (Files.exists(trainDir) || Files.exists(out.resolve("metrics.json")))) {
            throw new Errors.BadInputException(out + " holds an earlier demo's results (train/, metrics.json): give "
                    + "another --out, or add --overwrite to replace them (the drawn data set in " + out.resolve("data")
                    + " is reused either way)");
        }
        Files.createDirectories(out);
        Path root = dataRoot != null ? dataRoot : out.resolve("data");
        if (dataRoot == null) {
            draw(root, o);
        }
        RsgroundCheckpoint.deleteTree(trainDir);
        TrainConfig config = trainConfig(root, trainDir);
        o.println(minutes > 0 ? String.format(Locale.ROOT, "training for up to %.1f minutes (recipe '%s') ...",
                minutes, config.recipe().name()) : String.format(Locale.ROOT, "training: %s, then %d epochs of "
                + "grounding (recipe '%s') ...", config.recipe().stages().isEmpty() ? "no stage" : config.recipe()
                .stages(), config.optim().epochs(), config.recipe().name()));
        o.flush();
        int code = TrainingConsole.train(config, true, o, spec.commandLine().getErr());
        if (code != Errors.OK) {
            return code;
        }
        GroundingDataset dataset = GroundingDataset.open(root, splits);
        List<Sample> test = dataset.split("test");
        Path best = trainDir.resolve(TrainingRun.BEST);
        Evaluation.Result result = Evaluation.run(ModelLoader.Request.of(best), test, "test", 64, workers, root,
                dataset.allSamples());
        EvalReport report = result.report();
        result.write(out.resolve("metrics.json"), out.resolve("predictions.jsonl"), out.resolve("report.md"), out);
        PredictionGrid.write(report, PredictionGrid.imagesOf(test), 16, false, 240, out.resolve("grid.png"));
        PredictionGrid.write(report, PredictionGrid.imagesOf(test), 16, true, 240, out.resolve("grid-worst.png"));
        summary(o, Duration.ofNanos(System.nanoTime() - start), result, root, trainDir, best, test.get(0));
        return Errors.OK;
    }

    /** @return the demo recipe with this run's data, output, seed and plan */
    TrainConfig trainConfig(Path root, Path trainDir) throws Exception {
        String stage = VisionPretrainingStage.NAME;
        TrainConfigBuilder b = Recipes.load("demo").dataRoot(root.toString())
                .splitsDir(splits == null ? null : splits.toString()).out(trainDir.toString()).seed(seed)
                .numWorkers(workers);
        if (preset != null) {
            b.preset(preset).convStem(ScratchArchitecture.doublingStem(ModelConfigs.preset(preset).vision()))
                    .textLayers(1).vlDropout(0.0);
        }
        if (minutes > 0) {
            b.timeBudgetMinutes(minutes).epochs(200).stageSetting(stage, "steps", 0)
                    .stageSetting(stage, "minutes", minutes * PRETRAIN_SHARE);
        }
        if (pretrainSteps != null) {
            b.stageSetting(stage, "steps", pretrainSteps);
        }
        if (epochs != null) {
            b.epochs(epochs);
        }
        return b.build();
    }

    private void summary(PrintWriter o, Duration took, Evaluation.Result result, Path root, Path trainDir, Path best,
            Sample example) {
        EvalReport report = result.report();
        o.println();
        o.println("demo finished in " + Progress.format(took) + ": " + report.headline());
        if (result.presence() != null) {
            o.printf(Locale.ROOT, "  presence score  AUROC %.4f over %d present and %d absent-referent queries, "
                    + "accuracy at 0.5 %.2f %%; %s%n", result.presence().auroc(), result.presence().present().length,
                    result.presence().absent().length, 100 * result.presence().accuracy(0.5),
                    out.resolve("reliability.png"));
        }
        o.println("  data            " + root);
        o.println("  checkpoints     " + trainDir.resolve(TrainingRun.LAST) + ", " + best);
        o.println("  metrics         " + out.resolve("metrics.json") + ", " + out.resolve("report.md"));
        o.println("  plots           " + trainDir.resolve("loss.png") + ", " + trainDir.resolve("metrics.png"));
        o.println("  predictions     " + out.resolve("grid.png") + " (first 16 images), " + out.resolve("grid-worst.png")
                + " (worst 16)");
        o.println("  try it          ./rsground predict --weights " + best + " --image " + example.imageFile()
                + " --query \"" + example.query() + "\"");
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
