package io.rsground.infer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.rsground.config.ConfigException;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.model.ClipVgModel;
import io.rsground.text.Tokenizer;
import io.rsground.text.Tokenizers;
import io.rsground.weights.HostTensor;
import io.rsground.weights.RsgroundCheckpoint;
import io.rsground.weights.WeightFiles;
import io.rsground.weights.WeightLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Builds a ready model from what users have: an rsground checkpoint directory, a CLIP-VG {@code .pth}, or a
 * safetensors file in any of the three namings. Raw weight files carry no architecture and no vocabulary: the
 * architecture comes from {@code --model-config} or {@code --preset}, the vocabulary from {@code --bpe} or a CLIP
 * vocabulary file beside the weights.
 */
public final class ModelLoader {
    private ModelLoader() {
    }

    /**
     * What to load.
     *
     * @param weights a checkpoint directory or a weights file
     * @param modelConfig a model-config JSON, or null
     * @param preset a preset name, or null
     * @param bpe CLIP BPE vocabulary (merges .txt.gz, merges.txt beside vocab.json, or a directory), or null
     * @param strict fail on missing or unexpected tensors (mis-shaped ones always fail)
     */
    public record Request(Path weights, Path modelConfig, String preset, Path bpe, boolean strict) {
        public static Request of(Path weights) {
            return new Request(weights, null, null, null, true);
        }
    }

    /**
     * @return the loaded model; the caller closes it
     * @throws IOException for missing or unreadable files
     * @throws ConfigException for a missing or invalid architecture
     * @throws io.rsground.weights.WeightMismatchException when the weights do not fit the architecture
     */
    public static LoadedModel load(Request request) throws IOException {
        long start = System.nanoTime();
        Path weights = request.weights();
        if (weights == null) {
            throw new ConfigException("no weights given");
        }
        if (request.modelConfig() != null && request.preset() != null) {
            throw new ConfigException("give either a model config or a preset, not both");
        }
        ModelConfig config;
        Tokenizer tokenizer;
        Map<String, HostTensor> tensors;
        String architecture;
        int trainingScale = LoadedModel.DIOR_RSVG_SCALE;
        if (Files.isDirectory(weights) && RsgroundCheckpoint.isCheckpoint(RsgroundCheckpoint.resolve(weights))) {
            RsgroundCheckpoint.Contents contents = RsgroundCheckpoint.read(weights);
            config = contents.config();
            ModelConfig asked = askedConfig(request);
            if (asked != null && !asked.equals(config)) {
                throw new ConfigException("checkpoint " + weights + " holds another architecture than "
                        + describe(request) + "; leave out --model-config/--preset for checkpoints");
            }
            tokenizer = request.bpe() != null ? Tokenizers.clipFromFile(request.bpe()) : contents.tokenizer();
            tensors = contents.weights();
            architecture = contents.info().path("preset").asText("checkpoint");
            trainingScale = trainingScale(contents.info(), weights);
        } else {
            tensors = WeightFiles.read(weights);
            config = askedConfig(request);
            if (config == null) {
                throw new ConfigException("weights file " + weights.getFileName() + " does not say its architecture:"
                        + " give --preset (" + String.join(", ", ModelConfigs.PRESETS) + ") or --model-config");
            }
            architecture = request.preset() != null ? request.preset() : request.modelConfig().toString();
            tokenizer = Tokenizers.clipFromFile(request.bpe() != null ? request.bpe() : findVocabulary(weights));
        }
        if (tokenizer.vocabSize() > config.text().vocabSize()) {
            throw new ConfigException("the tokenizer has " + tokenizer.vocabSize() + " ids but the model's "
                    + "text.vocab_size is " + config.text().vocabSize());
        }
        Engine.getInstance();
        NDManager manager = NDManager.newBaseManager();
        try {
            ClipVgModel model = new ClipVgModel(config);
            WeightLoader.Report report = WeightLoader.load(model, tensors, weights.toString(), request.strict(),
                    manager);
            return new LoadedModel(model, tokenizer, manager, weights.toString(), report.naming(), architecture,
                    (System.nanoTime() - start) / 1_000_000, trainingScale);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** @return the checkpoint's recorded training scale, DIOR-RSVG's when it has none */
    private static int trainingScale(com.fasterxml.jackson.databind.JsonNode info, Path checkpoint) {
        com.fasterxml.jackson.databind.JsonNode scale = info.path(RsgroundCheckpoint.TRAINING_SCALE);
        if (scale.isMissingNode()) {
            return LoadedModel.DIOR_RSVG_SCALE;
        }
        if (!scale.isIntegralNumber() || !scale.canConvertToInt() || scale.asInt() < 2) {
            throw new ConfigException(checkpoint + ": info." + RsgroundCheckpoint.TRAINING_SCALE + " must be a side "
                    + "in pixels of at least 2, got " + scale);
        }
        return scale.asInt();
    }

    private static ModelConfig askedConfig(Request r) {
        if (r.modelConfig() != null) {
            return ModelConfigs.read(r.modelConfig());
        }
        return r.preset() != null ? ModelConfigs.preset(r.preset()) : null;
    }

    private static String describe(Request r) {
        return r.modelConfig() != null ? r.modelConfig().toString() : "preset " + r.preset();
    }

    /** Looks beside the weights for the CLIP vocabulary that ships with every CLIP download. */
    public static Path findVocabulary(Path weights) throws IOException {
        Path dir = weights.toAbsolutePath().getParent();
        for (String name : List.of("bpe_simple_vocab_16e6.txt.gz", "merges.txt")) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        throw new IOException("no CLIP vocabulary found beside " + weights + ": give --bpe with "
                + "bpe_simple_vocab_16e6.txt.gz (OpenAI CLIP) or a folder holding vocab.json and merges.txt "
                + "(Hugging Face)");
    }
}
