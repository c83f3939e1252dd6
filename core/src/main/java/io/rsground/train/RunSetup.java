package io.rsground.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.rsground.config.FusionConfig;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.config.TextConfig;
import io.rsground.config.TrainConfig;
import io.rsground.config.VisionConfig;
import io.rsground.data.Sample;
import io.rsground.infer.ModelLoader;
import io.rsground.model.ClipVgModel;
import io.rsground.text.Tokenizer;
import io.rsground.text.Tokenizers;
import io.rsground.text.WordTokenizer;
import io.rsground.weights.HostTensor;
import io.rsground.weights.RsgroundCheckpoint;
import io.rsground.weights.WeightFiles;
import io.rsground.weights.WeightLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run starts from: the architecture (a preset, a file, or a checkpoint's, reshaped by the settings), the
 * tokenizer, the first weights and which parameters train; or, when resuming, all of that from the checkpoint with
 * the run's state.
 *
 * @param model the model, weights loaded or drawn
 * @param tokenizer its tokenizer
 * @param policy which parameters train
 * @param start where the weights came from, for people to read
 * @param resumed where a resumed run stands, or null for a new run
 * @param optimizerState a resumed run's optimizer state (empty for a new run)
 */
record RunSetup(ClipVgModel model, Tokenizer tokenizer, TrainablePolicy policy, String start, RunState resumed,
        Map<String, HostTensor> optimizerState) {
    /** What a run given neither a preset nor an architecture file builds. */
    static final String DEFAULT_PRESET = "vit-b-16";
    private static final Logger LOG = LoggerFactory.getLogger(RunSetup.class);

    /**
     * @param config the run's settings
     * @param train the training split (a word vocabulary is built from its queries when no other is given)
     * @param manager owns the model's parameters
     */
    static RunSetup create(TrainConfig config, List<Sample> train, NDManager manager) throws IOException {
        if (config.run().resume() != null) {
            return resume(Path.of(config.run().resume()), manager);
        }
        TrainConfig.ModelSource source = config.model();
        ModelConfig architecture = baseArchitecture(source);
        Tokenizer tokenizer;
        Map<String, HostTensor> weights = null;
        String start;
        String checkpoint = source.retrain() != null ? source.retrain()
                : source.weights() != null && Files.isDirectory(Path.of(source.weights())) ? source.weights() : null;
        if (checkpoint != null) {
            RsgroundCheckpoint.Contents c = RsgroundCheckpoint.read(Path.of(checkpoint));
            architecture = c.config();
            tokenizer = c.tokenizer();
            weights = c.weights();
            start = "weights of " + checkpoint;
        } else if (source.weights() != null) {
            Path file = Path.of(source.weights());
            weights = WeightFiles.read(file);
            tokenizer = Tokenizers.clipFromFile(source.bpe() != null ? Path.of(source.bpe())
                    : ModelLoader.findVocabulary(file));
            start = "weights " + file;
        } else if (source.bpe() != null) {
            tokenizer = Tokenizers.clipFromFile(Path.of(source.bpe()));
            start = "random initialisation (CLIP BPE vocabulary)";
        } else {
            tokenizer = WordTokenizer.build(train.stream().map(Sample::query).toList(), 1);
            architecture = architecture.withVocabSize(tokenizer.vocabSize());
            start = "random initialisation (word vocabulary of " + tokenizer.vocabSize() + " built from the "
                    + "training split)";
        }
        ModelConfig shaped = reshape(architecture, source);
        if (config.loss().getOrDefault("presence", 0.0) > 0) {
            // the term trains a head; a model without one gets it, drawn at random
            shaped = shaped.withPresenceHead(true);
        }
        ClipVgModel model = new ClipVgModel(shaped);
        Engine.getInstance().setRandomSeed((int) config.run().seed());
        if (weights != null) {
            WeightLoader.Report r = WeightLoader.load(model, weights, start, false, manager);
            LOG.info("{}: {} tensors loaded ({}), {} drawn at random", start, r.loaded(), r.naming(),
                    r.initialised().size());
        } else {
            model.initializeParameters(manager);
        }
        return new RunSetup(model, tokenizer, TrainablePolicy.of(config.optim().trainable(), weights != null), start,
                null, Map.of());
    }

    private static RunSetup resume(Path dir, NDManager manager) throws IOException {
        RsgroundCheckpoint.Contents c = RsgroundCheckpoint.read(dir);
        RunState state = RunCheckpoints.readState(c.dir());
        ClipVgModel model = new ClipVgModel(c.config());
        WeightLoader.load(model, c.weights(), dir.toString(), true, manager);
        TrainablePolicy policy = TrainablePolicy.valueOf(state.policy() != null ? state.policy()
                : TrainablePolicy.ALL.name());
        return new RunSetup(model, c.tokenizer(), policy, "resumed from " + dir, state,
                RunCheckpoints.readOptimizer(c.dir()));
    }

    static ModelConfig baseArchitecture(TrainConfig.ModelSource source) {
        if (source.modelConfig() != null) {
            return ModelConfigs.read(Path.of(source.modelConfig()));
        }
        return ModelConfigs.preset(source.preset() != null ? source.preset() : DEFAULT_PRESET);
    }

    /** Applies the reference's architecture flags (--imsize, --max-query-len, --vl-*), the text depth and stem. */
    static ModelConfig reshape(ModelConfig c, TrainConfig.ModelSource s) {
        VisionConfig v = c.vision();
        if (s.imsize() != null && s.imsize() != v.imageSize()) {
            v = v.withImageSize(s.imsize());
        }
        if (!s.convStem().isEmpty()) {
            v = v.withConvStem(s.convStem());
        }
        FusionConfig f = c.fusion();
        f = new FusionConfig(s.vlHiddenDim() != null ? s.vlHiddenDim() : f.hiddenDim(),
                s.vlNheads() != null ? s.vlNheads() : f.heads(),
                s.vlDimFeedforward() != null ? s.vlDimFeedforward() : f.ffnDim(),
                s.vlEncLayers() != null ? s.vlEncLayers() : f.layers(),
                s.vlDropout() != null ? s.vlDropout() : f.dropout());
        TextConfig t = c.text();
        if (s.textLayers() != null && s.textLayers() != t.layers()) {
            t = new TextConfig(t.contextLength(), t.vocabSize(), t.width(), s.textLayers(), t.heads());
        }
        int maxQuery = s.maxQueryLen() != null ? s.maxQueryLen() : c.maxQueryLen();
        return c.withVision(v).withText(t).withFusion(f).withMaxQueryLen(maxQuery);
    }
}
