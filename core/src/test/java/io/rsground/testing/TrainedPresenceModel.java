package io.rsground.testing;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.data.AbsentQueries;
import io.rsground.data.Batch;
import io.rsground.data.BatchLoader;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.ProgressListener;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.data.synth.SceneObjects;
import io.rsground.data.synth.SceneOptions;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.eval.PresenceReport;
import io.rsground.model.ClipVgModel;
import io.rsground.text.WordTokenizer;
import io.rsground.train.Criterion;
import io.rsground.train.Objectives;
import io.rsground.train.OptimizerKind;
import io.rsground.train.TrainablePolicy;
import io.rsground.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A tiny model with a presence head that has learnt eight synthetic 256 px scenes by heart (boxes and which queries
 * name an object of the scene), trained once per test JVM and kept as a checkpoint, for the tests of the presence
 * score and of tiled grounding.
 *
 * @param data the synthetic data set's folder
 * @param samples its expressions
 * @param twins one absent-referent query per expression (same image)
 * @param checkpoint the trained model's checkpoint folder
 * @param before presence figures of the untrained model
 * @param after presence figures of the trained model
 * @param firstAccuracy the presence term's accuracy on the first training batch
 * @param lastAccuracy ... on the last
 * @param direct the trained model's predictions of the first sample and its twin, straight from the model
 */
public record TrainedPresenceModel(Path data, List<Sample> samples, List<Sample> twins, Path checkpoint,
        PresenceReport before, PresenceReport after, double firstAccuracy, double lastAccuracy, EvalReport direct) {
    private static final int STEPS = 400;
    private static TrainedPresenceModel instance;

    /** @return the model, trained on the first call */
    public static synchronized TrainedPresenceModel get() {
        if (instance == null) {
            try {
                Path dir = Files.createTempDirectory("rsground-presence-");
                dir.toFile().deleteOnExit();
                instance = train(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException("training the test model failed", e);
            }
        }
        return instance;
    }

    private static TrainedPresenceModel train(Path dir) throws Exception {
        Path root = dir.resolve("data");
        SceneGenerator.generate(root, 8, 256, 5, 1, new SceneOptions(2, 0.4), ProgressListener.NONE);
        List<Sample> samples = DiorRsvgDataset.open(root, null).allSamples();
        WordTokenizer tokenizer = WordTokenizer.build(samples.stream().map(Sample::query).toList(), 1);
        ModelConfig config = ModelConfigs.preset("tiny").withVocabSize(tokenizer.vocabSize()).withPresenceHead(true);
        AbsentQueries absent = new AbsentQueries(samples, SceneObjects.knownObjects(root, samples));
        List<Sample> twins = absent.twins(samples, 11);
        Engine.getInstance().setRandomSeed(1);
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVgModel model = new ClipVgModel(config);
            model.initializeParameters(manager);
            PresenceReport before = presence(model, manager, tokenizer, samples, twins);
            // shuffled as training is: the term pairs a negative with a quarter of each batch, the first rows
            BatchLoader loader = Evaluator.loader(samples, config, tokenizer, samples.size(), 0)
                    .optAbsentQueries(absent).optShuffle(true).build();
            Criterion objective = Objectives.create(Map.of("l1", 1.0, "giou", 1.0, "presence", 1.0),
                    new Objectives.Context(config, Map.of()));
            double first;
            double last = Double.NaN;
            try (Trainer trainer = new Trainer(model, manager, TrainablePolicy.ALL, OptimizerKind.ADAMW, 1e-3, -1,
                    1e-4, 1.0, objective)) {
                first = step(trainer, loader, 0, 1.0 / 20).term("presence_acc");
                for (int s = 1; s < STEPS; s++) {
                    double factor = Math.min(1.0, (s + 1) / 20.0) * 0.5 * (1 + Math.cos(Math.PI * s / STEPS));
                    last = step(trainer, loader, s, factor).term("presence_acc");
                }
            }
            PresenceReport after = presence(model, manager, tokenizer, samples, twins);
            Path checkpoint = dir.resolve("checkpoint");
            PresenceCheckpoints.write(checkpoint, model, tokenizer, 256);
            EvalReport direct = Evaluator.evaluate(model, manager, tokenizer, List.of(samples.get(0), twins.get(0)),
                    "two", 2, 0, null);
            return new TrainedPresenceModel(root, samples, twins, checkpoint, before, after, first, last, direct);
        }
    }

    private static Trainer.StepResult step(Trainer trainer, BatchLoader loader, int epoch, double factor) {
        try (BatchLoader.Epoch e = loader.epoch(epoch)) { // each epoch draws other absent queries
            Batch batch = e.next();
            if (batch.absent() == null) {
                throw new IllegalStateException("the loader gave no absent queries");
            }
            return trainer.step(batch, factor);
        }
    }

    private static PresenceReport presence(ClipVgModel model, NDManager manager, WordTokenizer tokenizer,
            List<Sample> samples, List<Sample> twins) {
        EvalReport present = Evaluator.evaluate(model, manager, tokenizer, samples, "train", 64, 0, null);
        EvalReport absent = Evaluator.evaluate(model, manager, tokenizer, twins, "absent", 64, 0, null);
        return PresenceReport.of(present.predictions(), absent.predictions());
    }
}
