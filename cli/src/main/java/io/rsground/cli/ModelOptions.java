package io.rsground.cli;

import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options that say which model to load, shared by the commands that use one. */
final class ModelOptions {
    @Option(names = "--weights", required = true, paramLabel = "FILE|DIR",
            description = "an rsground checkpoint directory, a CLIP-VG .pth, or a .safetensors file (CLIP-VG, "
                    + "OpenAI/OpenCLIP or Hugging Face CLIP names)")
    Path weights;

    @Option(names = "--model-config", paramLabel = "JSON", description = "architecture of a raw weights file")
    Path modelConfig;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "architecture preset of a raw weights file: vit-b-16, vit-b-32, vit-l-14, tiny")
    String preset;

    @Option(names = "--bpe", paramLabel = "FILE|DIR",
            description = "CLIP BPE vocabulary: bpe_simple_vocab_16e6.txt.gz, or a folder with vocab.json and "
                    + "merges.txt (default: found beside the weights)")
    Path bpe;

    @Option(names = "--no-strict", description = "load weights that lack tensors (drawn at random) or have extras")
    boolean lenient;

    ModelOptions() {
    }

    ModelOptions(Path weights, Path modelConfig, String preset, Path bpe) {
        this.weights = weights;
        this.modelConfig = modelConfig;
        this.preset = preset;
        this.bpe = bpe;
    }

    LoadedModel load() throws IOException {
        return ModelLoader.load(new ModelLoader.Request(weights, modelConfig, preset, bpe, !lenient));
    }
}
