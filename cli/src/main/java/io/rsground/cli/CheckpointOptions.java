package io.rsground.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The model options of {@code eval} and {@code visualize}: a checkpoint, or a raw file with its architecture. */
final class CheckpointOptions {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR|FILE",
            description = "an rsground checkpoint directory (or a raw weights file with --preset/--model-config)")
    Path checkpoint;
    @Option(names = "--preset", paramLabel = "NAME") String preset;
    @Option(names = {"--model-config", "--model_config"}, paramLabel = "JSON") Path modelConfig;
    @Option(names = "--bpe", paramLabel = "FILE|DIR") Path bpe;

    ModelOptions model() {
        return new ModelOptions(checkpoint, modelConfig, preset, bpe);
    }
}
