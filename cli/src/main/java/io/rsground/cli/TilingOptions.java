package io.rsground.cli;

import io.rsground.infer.SceneGrounder;
import picocli.CommandLine.Option;

/** How {@code predict} cuts large images into windows and which boxes it keeps: picocli options. */
final class TilingOptions {
    @Option(names = "--tiles", defaultValue = "auto", paramLabel = "auto|off|SIZE", description = "ground a large "
            + "image in overlapping windows: auto (when its longer side is over 1.5x the side the model was trained "
            + "at, in windows of that side), off (the whole image shrunk to the model's input), or a window side in "
            + "pixels; windows need a model with a presence score")
    String tiles;

    @Option(names = "--overlap", defaultValue = "0.25", paramLabel = "SHARE", description = "the share of a window "
            + "its neighbour covers too, so that an object cut by one window lies whole in the next (0.25: "
            + "objects up to a quarter of the window side)")
    double overlap;

    @Option(names = "--top-k", defaultValue = "5", paramLabel = "K", description = "boxes kept per query in a tiled "
            + "scene, best first, after merging overlaps")
    int topK;

    @Option(names = "--min-score", defaultValue = "0", paramLabel = "S", description = "drop boxes whose presence "
            + "score is below S, in [0, 1] (0: keep all)")
    double minScore;

    /**
     * @return the settings
     * @throws Errors.BadInputException naming the option out of range
     */
    SceneGrounder.Options toOptions() {
        try {
            return SceneGrounder.Options.parse(tiles, overlap, topK, minScore);
        } catch (IllegalArgumentException e) {
            throw new Errors.BadInputException("--" + e.getMessage());
        }
    }
}
