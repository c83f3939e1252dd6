package io.rsground.testing;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.model.ClipVgModel;
import io.rsground.text.WordTokenizer;
import io.rsground.weights.HostTensor;
import io.rsground.weights.RsgroundCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Checkpoints of tiny models with a presence head, for tests that need a score but no trained one. */
public final class PresenceCheckpoints {
    private PresenceCheckpoints() {
    }

    /**
     * Writes a tiny model with randomly initialised weights, its presence head included: its scores mean nothing,
     * but they are scores, so scenes can be cut into windows and their boxes ranked.
     *
     * @param dir the checkpoint folder to create
     * @param trainingScale the training scale it records: larger images are grounded in windows of this side
     * @param seed the engine's seed for the weights
     * @return {@code dir}
     */
    public static Path untrained(Path dir, int trainingScale, int seed) throws IOException {
        WordTokenizer tokenizer = WordTokenizer.build(List.of("the white storage tank at the lower left",
                "a ship at the pier", "the red car on the road"), 1);
        ModelConfig config = ModelConfigs.preset("tiny").withVocabSize(tokenizer.vocabSize()).withPresenceHead(true);
        Engine.getInstance().setRandomSeed(seed);
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVgModel model = new ClipVgModel(config);
            model.initializeParameters(manager);
            write(dir, model, tokenizer, trainingScale);
        }
        return dir;
    }

    /** Writes a model's parameters as an rsground checkpoint recording its training scale. */
    static void write(Path dir, ClipVgModel model, WordTokenizer tokenizer, int trainingScale) throws IOException {
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> weights.put(name, HostTensor.ofFloats(
                p.getArray().getShape().getShape(), p.getArray().toFloatArray())));
        Map<String, Object> info = RsgroundCheckpoint.info();
        info.put(RsgroundCheckpoint.TRAINING_SCALE, trainingScale);
        RsgroundCheckpoint.write(dir, model.config(), tokenizer, weights, info, null);
    }
}
