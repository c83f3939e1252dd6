package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.rsground.config.ConfigException;
import io.rsground.config.FusionConfig;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.config.TrainConfig;
import io.rsground.data.Batch;
import io.rsground.data.BatchLoader;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.ProgressListener;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.eval.Evaluator;
import io.rsground.model.ClipVgModel;
import io.rsground.text.WordTokenizer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step computed in shards on copies of the model side by side trains as the same step on the whole batch does,
 * reproducibly, and a non-finite loss leaves the weights and gradients as they were.
 */
class ReplicasTest {
    @TempDir
    static Path dir;
    static Path root;
    static ModelConfig config;
    static Batch batch;
    static Map<Integer, String> imageOf = new HashMap<>();

    @BeforeAll
    static void data() throws Exception {
        root = dir.resolve("data");
        SceneGenerator.generate(root, 4, 128, 17, 1, ProgressListener.NONE);
        List<Sample> samples = DiorRsvgDataset.open(root, null).allSamples();
        WordTokenizer tokenizer = WordTokenizer.build(samples.stream().map(Sample::query).toList(), 1);
        FusionConfig f = ModelConfigs.preset("tiny").fusion();
        config = ModelConfigs.preset("tiny").withVocabSize(tokenizer.vocabSize())
                .withFusion(new FusionConfig(f.hiddenDim(), f.heads(), f.ffnDim(), f.layers(), 0));
        try (BatchLoader.Epoch epoch = Evaluator.loader(samples, config, tokenizer, samples.size(), 0).build()
                .epoch(0)) {
            batch = epoch.next();
        }
        samples.forEach(s -> imageOf.put(s.index(), s.imageFile().toString()));
    }

    /** A model, its trainer and the objective of the demo's recipe, all drawn from one seed. */
    private static Trainer trainer(NDManager manager, TrainablePolicy policy, int replicas, boolean keepFeatures) {
        Engine.getInstance().setRandomSeed(11);
        ClipVgModel model = new ClipVgModel(config);
        model.initializeParameters(manager);
        Trainer trainer = new Trainer(model, manager, policy, OptimizerKind.SGD, 0.05, -1, 0, 0, objective());
        if (keepFeatures) {
            trainer.cacheVisualFeatures(imageOf::get, 1L << 30);
        }
        trainer.useReplicas(replicas, ReplicasTest::objective);
        return trainer;
    }

    /** The demo's terms, by name: the referent terms come from the from-scratch wing's plugin. */
    private static TrainingObjective objective() {
        Map<String, Double> weights = new LinkedHashMap<>();
        weights.put("l1", 10.0);
        weights.put("giou", 4.0);
        weights.put("referent", 10.0);
        weights.put("attention", 3.0);
        weights.put("readout", 1.0);
        weights.put("match", 10.0);
        try {
            return Objectives.create(weights, new Objectives.Context(config, weights));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, float[]> weights(Trainer trainer) {
        Map<String, float[]> w = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : trainer.trainable().entrySet()) {
            w.put(e.getKey(), e.getValue().getArray().toFloatArray());
        }
        return w;
    }

    /** @return the largest absolute difference between two sets of weights of the same names and shapes */
    private static double maxDifference(Map<String, float[]> a, Map<String, float[]> b) {
        assertThat(a.keySet()).isEqualTo(b.keySet());
        double max = 0;
        for (String name : a.keySet()) {
            float[] x = a.get(name);
            float[] y = b.get(name);
            assertThat(y).hasSameSizeAs(x);
            for (int i = 0; i < x.length; i++) {
                max = Math.max(max, Math.abs(x[i] - y[i]));
            }
        }
        return max;
    }

    /**
     * Checks that the steps moved every trained parameter, and both trainers' the same way: within 5e-4 of how far
     * it moved (the sums run in another order on one thread than on two, and the steps carry the difference on; a
     * shard's gradient missing or counted twice moves a parameter by a good part of its move).
     */
    private static void assertMovedAlike(Map<String, float[]> start, Map<String, float[]> expected,
            Map<String, float[]> got) {
        assertThat(got.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            double moved = maxDifference(Map.of(name, start.get(name)), Map.of(name, expected.get(name)));
            assertThat(moved).as(name + " moved").isGreaterThan(0);
            assertThat(maxDifference(Map.of(name, expected.get(name)), Map.of(name, got.get(name)))).as(name)
                    .isLessThanOrEqualTo(5e-4 * moved + 1e-7);
        }
    }

    @Test
    void shardsOnCopiesTrainAsTheWholeBatch() {
        // everything trained from the pixels, and the demo's way: a frozen image tower whose features are kept
        for (boolean keepFeatures : new boolean[] {false, true}) {
            TrainablePolicy policy = keepFeatures ? TrainablePolicy.FREEZE_VISION : TrainablePolicy.ALL;
            // an even split, an uneven one, and a batch of one (the second copy gets no shard)
            List<Batch> batches = List.of(batch, batch.slice(0, 5), batch.slice(2, 3), batch);
            try (NDManager m1 = NDManager.newBaseManager(); NDManager m2 = NDManager.newBaseManager();
                    Trainer whole = trainer(m1, policy, 1, keepFeatures);
                    Trainer sharded = trainer(m2, policy, 2, keepFeatures)) {
                assertThat(sharded.replicaCount()).isEqualTo(2);
                Map<String, float[]> start = weights(whole);
                assertThat(maxDifference(start, weights(sharded))).isZero();
                for (Batch b : batches) {
                    Trainer.StepResult expected = whole.step(b, 1);
                    Trainer.StepResult got = sharded.step(b, 1);
                    assertThat(got.loss()).isCloseTo(expected.loss(), org.assertj.core.api.Assertions.within(
                            1e-5 * Math.abs(expected.loss())));
                    assertThat(got.terms().keySet()).isEqualTo(expected.terms().keySet());
                    for (String term : expected.terms().keySet()) {
                        assertThat(got.term(term)).as(term).isCloseTo(expected.term(term),
                                org.assertj.core.api.Assertions.within(1e-5 + 1e-5 * Math.abs(expected.term(term))));
                    }
                    assertThat(got.gradNorm()).isCloseTo(expected.gradNorm(),
                            org.assertj.core.api.Assertions.within(1e-4 * expected.gradNorm()));
                }
                assertMovedAlike(start, weights(whole), weights(sharded));
            }
        }
    }

    @Test
    void aShardedRunIsReproducible() {
        try (NDManager m1 = NDManager.newBaseManager(); NDManager m2 = NDManager.newBaseManager();
                Trainer a = trainer(m1, TrainablePolicy.FREEZE_VISION, 2, true);
                Trainer b = trainer(m2, TrainablePolicy.FREEZE_VISION, 2, true)) {
            for (int i = 0; i < 3; i++) {
                assertThat(b.step(batch, 1).loss()).isEqualTo(a.step(batch, 1).loss());
            }
            assertThat(maxDifference(weights(a), weights(b))).isZero();
        }
    }

    @Test
    void aNonFiniteLossLeavesWeightsAndGradientsAsTheyWere() {
        float[] boxes = batch.boxes().clone();
        boxes[boxes.length - 1] = Float.NaN; // the last sample, in the second copy's shard
        Batch poisoned = new Batch(batch.size(), batch.imageSize(), batch.pixels(), batch.pixelMask(),
                batch.patchMask(), batch.tokens(), batch.tokenLength(), boxes, batch.sampleIndices());
        try (NDManager m1 = NDManager.newBaseManager(); NDManager m2 = NDManager.newBaseManager();
                Trainer whole = trainer(m1, TrainablePolicy.FREEZE_VISION, 1, true);
                Trainer sharded = trainer(m2, TrainablePolicy.FREEZE_VISION, 2, true)) {
            Map<String, float[]> before = weights(sharded);
            assertThatThrownBy(() -> sharded.step(poisoned, 1)).isInstanceOf(DivergenceException.class)
                    .hasMessageContaining("the loss became NaN");
            assertThat(maxDifference(before, weights(sharded))).isZero();
            // no gradient of the failed step is left behind to be added to the next one
            whole.step(batch, 1);
            sharded.step(batch, 1);
            assertMovedAlike(before, weights(whole), weights(sharded));
        }
    }

    @Test
    void replicasAreRefusedWithDropoutBeforeAnyWork() {
        TrainConfig c = TrainConfig.builder().dataRoot(root.toString()).out(dir.resolve("out").toString())
                .preset("tiny").replicas(2).epochs(1).build();
        assertThatThrownBy(() -> new TrainingRun(c, null).run()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("--replicas 2 needs a fusion dropout of 0").hasMessageContaining("--vl-dropout 0");
        assertThat(dir.resolve("out").resolve(TrainingRun.LAST)).doesNotExist();
        assertThatThrownBy(() -> c.toBuilder().replicas(-1).build()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("replicas must not be negative, got -1");
    }
}
