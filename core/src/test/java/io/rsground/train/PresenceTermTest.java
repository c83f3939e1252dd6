package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.ModelLoader;
import io.rsground.model.ClipVgModel;
import io.rsground.text.WordTokenizer;
import io.rsground.weights.HostTensor;
import io.rsground.weights.RsgroundCheckpoint;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The presence term teaches the head to tell a query whose object is in the image from one whose object is not, on
 * a few synthetic scenes; the trained head's score comes out the same through evaluation and through a checkpoint
 * loaded into a {@link Grounder}.
 */
class PresenceTermTest {

    @Test
    void theHeadLearnsWhichQueriesHaveTheirObjectInTheImage(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("data");
        SceneGenerator.generate(root, 8, 256, 5, 1, new SceneOptions(2, 0.4), ProgressListener.NONE);
        List<Sample> samples = DiorRsvgDataset.open(root, null).allSamples();
        WordTokenizer tokenizer = WordTokenizer.build(samples.stream().map(Sample::query).toList(), 1);
        ModelConfig config = ModelConfigs.preset("tiny").withVocabSize(tokenizer.vocabSize()).withPresenceHead(true);
        AbsentQueries absent = new AbsentQueries(samples, SceneObjects.knownObjects(root, samples));
        List<Sample> twins = absent.twins(samples, 11);
        assertThat(twins.size()).isGreaterThan(samples.size() * 3 / 4);
        Engine.getInstance().setRandomSeed(1);
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVgModel model = new ClipVgModel(config);
            model.initializeParameters(manager);
            PresenceReport before = presence(model, manager, tokenizer, samples, twins);
            BatchLoader loader = Evaluator.loader(samples, config, tokenizer, samples.size(), 0)
                    .optAbsentQueries(absent).build();
            Criterion objective = Objectives.create(Map.of("l1", 1.0, "giou", 1.0, "presence", 1.0),
                    new Objectives.Context(config, Map.of()));
            int steps = 300;
            double firstAccuracy;
            double lastAccuracy = Double.NaN;
            try (Trainer trainer = new Trainer(model, manager, TrainablePolicy.ALL, OptimizerKind.ADAMW, 1e-3, -1,
                    1e-4, 1.0, objective)) {
                firstAccuracy = step(trainer, loader, 0, 1.0 / 20).term("presence_acc");
                for (int s = 1; s < steps; s++) {
                    double factor = Math.min(1.0, (s + 1) / 20.0) * 0.5 * (1 + Math.cos(Math.PI * s / steps));
                    lastAccuracy = step(trainer, loader, s, factor).term("presence_acc");
                }
            }
            PresenceReport after = presence(model, manager, tokenizer, samples, twins);
            System.out.printf("presence: %d + %d queries, train accuracy %.3f -> %.3f, AUROC %.3f -> %.3f%n",
                    samples.size(), twins.size(), firstAccuracy, lastAccuracy, before.auroc(), after.auroc());
            assertThat(after.auroc()).isGreaterThan(0.9).isGreaterThan(before.auroc());
            assertThat(lastAccuracy).isGreaterThan(0.8);
            sameScoreThroughACheckpoint(dir.resolve("ckpt"), model, tokenizer, samples.get(0), twins.get(0));
        }
    }

    private static Trainer.StepResult step(Trainer trainer, BatchLoader loader, int epoch, double factor) {
        try (BatchLoader.Epoch e = loader.epoch(epoch)) { // each epoch draws other absent queries
            Batch batch = e.next();
            assertThat(batch.absent()).isNotNull();
            return trainer.step(batch, factor);
        }
    }

    private static PresenceReport presence(ClipVgModel model, NDManager manager, WordTokenizer tokenizer,
            List<Sample> samples, List<Sample> twins) {
        EvalReport present = Evaluator.evaluate(model, manager, tokenizer, samples, "train", 64, 0, null);
        EvalReport absent = Evaluator.evaluate(model, manager, tokenizer, twins, "absent", 64, 0, null);
        return PresenceReport.of(present.predictions(), absent.predictions());
    }

    private static void sameScoreThroughACheckpoint(Path ckpt, ClipVgModel model, WordTokenizer tokenizer,
            Sample present, Sample absentTwin) throws Exception {
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> weights.put(name, HostTensor.ofFloats(
                p.getArray().getShape().getShape(), p.getArray().toFloatArray())));
        assertThat(weights).containsKeys("presence_head.layers.0.weight", "presence_head.layers.1.bias");
        RsgroundCheckpoint.write(ckpt, model.config(), tokenizer, weights, Map.of(), null);
        EvalReport direct;
        try (NDManager m = NDManager.newBaseManager()) {
            direct = Evaluator.evaluate(model, m, tokenizer, List.of(present, absentTwin), "two", 2, 0, null);
        }
        try (Grounder g = new Grounder(ModelLoader.load(ModelLoader.Request.of(ckpt)), 0)) {
            assertThat(g.hasPresenceHead()).isTrue();
            List<GroundingResult> r = g.ground(Images.read(present.imageFile()),
                    List.of(present.query(), absentTwin.query()));
            for (int i = 0; i < 2; i++) {
                assertThat(r.get(i).score()).isBetween(0.0, 1.0)
                        .isCloseTo(direct.predictions().get(i).score(), within(1e-4));
            }
        }
    }
}
