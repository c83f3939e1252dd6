package io.rsground.cli;

import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options that say which model to load, shared by the commands that use one. */
final class ModelOptions {
    @Option(names = "--weights", paramLabel = "FILE|DIR",
            description = "an rsground checkpoint directory, a CLIP-VG .pth, or a .safetensors file (CLIP-VG, "
                    + "OpenAI/OpenCLIP or Hugging Face CLIP names)")
    Path weights;

    /** The earlier spelling of {@code --weights} in {@code eval} and {@code visualize}. */
    @Option(names = "--checkpoint", hidden = true, paramLabel = "DIR|FILE")
    Path checkpoint;

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


    /**
     * @return what to load
     * @throws Errors.BadInputException without {@code --weights}
     */
    ModelLoader.Request request() {
        Path file = weights != null ? weights : checkpoint;
        if (file == null) {
            throw new Errors.BadInputException("give --weights FILE|DIR: an rsground checkpoint, a CLIP-VG .pth or a "
                    + ".safetensors file");
        }
        return new ModelLoader.Request(file, modelConfig, preset, bpe, !lenient);
    }

    LoadedModel load() throws IOException {
        return ModelLoader.load(request());
    }
}
