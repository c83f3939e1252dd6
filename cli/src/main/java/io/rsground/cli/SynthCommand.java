package io.rsground.cli;

import io.rsground.data.synth.SceneGenerator;
import io.rsground.data.synth.SceneOptions;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rsground synth}: draws a synthetic DIOR-RSVG-layout data set. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Draw synthetic aerial scenes with referring expressions, in the DIOR-RSVG layout "
                + "(JPEGImages/, Annotations/, splits/ train 70%% / val 10%% / test 20%%).",
        footer = {"  ./rsground synth --out synth --images 200 --seed 0"})
final class SynthCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output folder (new or empty)")
    Path out;

    @Option(names = "--images", defaultValue = "200", description = "number of images")
    int images;

    @Option(names = "--size", defaultValue = "800", description = "image side in pixels")
    int size;

    @Option(names = "--seed", defaultValue = "0", description = "random seed")
    long seed;

    @Option(names = "--zoom", defaultValue = "1", description = "draw everything this much larger, as a closer "
            + "view, DIOR-like sizes by default")
    double zoom;

    @Option(names = "--crowding", defaultValue = "1", description = "share of each class's extra objects drawn, "
            + "0..1")
    double crowding;

    @Override
    public Integer call() throws Exception {
        SceneGenerator.Summary summary;
        try (Progress progress = new Progress("synth", images, "images")) {
            summary = SceneGenerator.generate(out, images, size, seed, Math.min(2,
                    Runtime.getRuntime().availableProcessors()), new SceneOptions(zoom, crowding), progress);
        }
        spec.commandLine().getOut().printf(Locale.ROOT,
                "wrote %d images (%d objects, %d described) to %s; splits %s; %.1f images/s%n", summary.images(),
                summary.objectsDrawn(), summary.objectsDescribed(), out, summary.splitObjects(),
                summary.imagesPerSecond());
        return Errors.OK;
    }
}
