package io.rsground.cli;

import io.rsground.eval.EvalReport;
import io.rsground.eval.PredictionGrid;
import io.rsground.image.PictureFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rsground visualize}: a grid of predictions against the ground truth. */
@Command(name = "visualize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draw a grid of samples: ground truth in green, prediction in red, the query and the IoU "
                + "below each.",
        footer = {"  ./rsground visualize --weights runs/a/best_checkpoint \\",
            "      --data-root DIOR-RSVG --split test --worst --out worst.png"})
final class VisualizeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.ArgGroup(exclusive = false, multiplicity = "1")
    DataSplitOptions data;

    @CommandLine.Mixin
    ModelOptions model;
    @CommandLine.Mixin
    EngineOptions engine;
    @Option(names = "--count", defaultValue = "16", description = "samples shown")
    int count;
    @Option(names = "--worst", description = "show the samples with the lowest IoU (default: the first ones)")
    boolean worst;
    @Option(names = "--out", required = true, paramLabel = "PNG", description = "the grid image to write") Path out;
    @Option(names = "--tile", defaultValue = "320", description = "tile side in pixels") int tile;

    @Override
    public Integer call() throws Exception {
        PictureFiles.checkWritable(out); // before the evaluation, which takes minutes
        EvalReport r = data.evaluate(model, engine, 32, 2).report();
        PredictionGrid.write(r, PredictionGrid.imagesOf(data.samples()), count, worst, tile, out);
        spec.commandLine().getOut().println("wrote " + out + " (" + Math.min(count, r.predictions().size())
                + " samples; " + r.headline() + ")");
        return Errors.OK;
    }
}
