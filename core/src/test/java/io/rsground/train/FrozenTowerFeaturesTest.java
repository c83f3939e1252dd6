package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rsground.config.TrainConfig;
import io.rsground.data.GroundingDataset;
import io.rsground.data.ProgressListener;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.eval.Prediction;
import io.rsground.infer.FeatureCache;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import io.rsground.weights.RsgroundCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Features of a frozen image tower kept across runs (a curriculum's stages): a run that finds them kept trains
 * exactly as one that computes them, and computes none; evaluation through them predicts what evaluation from the
 * pixels does; another tower never gets them, also from a checkpoint folder written again.
 */
class FrozenTowerFeaturesTest {
    @TempDir
    static Path dir;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = dir.resolve("data");
        SceneGenerator.generate(data, 5, 96, 5, 1, ProgressListener.NONE);
    }

    /** A from-scratch tiny model with its image tower frozen and every image prepared the same way. */
    private static TrainConfig frozenTower(String out, long seed) {
        return TrainConfig.builder().dataRoot(data.toString()).out(dir.resolve(out).toString()).preset("tiny")
                .imsize(64).epochs(1).batchSize(8).numWorkers(1).seed(seed).trainable("freeze_vision")
                .noGeometricAugmentation().augBlur(false).augHflip(false).augJitter(false).build();
    }

    private static Path weightsOf(String out) {
        return dir.resolve(out).resolve(TrainingRun.LAST);
    }

    @Test
    void aRunFindingTheFeaturesKeptTrainsAsOneComputingThemAndComputesNone() throws Exception {
        new TrainingRun(frozenTower("own", 3), null).run();
        FrozenTowerFeatures shared = new FrozenTowerFeatures(1L << 30);
        new TrainingRun(frozenTower("first", 3), null).sharingImageFeatures(shared).run();
        FeatureCache cache;
        try (LoadedModel first = ModelLoader.load(ModelLoader.Request.of(weightsOf("first")))) {
            cache = shared.keptFor(weightsOf("first"), first.model());
            assertThat(shared.forTower(first.model())).isSameAs(cache);
        }
        Set<Path> images = new HashSet<>();
        GroundingDataset dataset = GroundingDataset.open(data, null);
        for (String split : List.of("train", "val")) {
            dataset.split(split).forEach(s -> images.add(s.imageFile()));
        }
        assertThat(cache.size()).as("train and val images, each once").isEqualTo(images.size());
        long missesBefore = cache.stats()[1];
        long hitsBefore = cache.stats()[0];

        new TrainingRun(frozenTower("second", 3), null).sharingImageFeatures(shared).run();
        assertThat(cache.stats()[1]).as("images the second run had to compute").isEqualTo(missesBefore);
        assertThat(cache.stats()[0]).isGreaterThan(hitsBefore);
        var own = RsgroundCheckpoint.read(weightsOf("own")).weights();
        assertThat(RsgroundCheckpoint.read(weightsOf("first")).weights()).isEqualTo(own);
        assertThat(RsgroundCheckpoint.read(weightsOf("second")).weights()).isEqualTo(own);

        // another seed initialises another tower: it starts a cache of its own
        new TrainingRun(frozenTower("other", 4), null).sharingImageFeatures(shared).run();
        try (LoadedModel other = ModelLoader.load(ModelLoader.Request.of(weightsOf("other")))) {
            FeatureCache otherCache = shared.forTower(other.model());
            assertThat(otherCache).isNotSameAs(cache).isSameAs(shared.keptFor(weightsOf("other"), other.model()));
            assertThat(otherCache.size()).isEqualTo(images.size());
        }
        Path rewritten = weightsOf("first");
        try (LoadedModel first = ModelLoader.load(ModelLoader.Request.of(rewritten))) {
            assertThat(shared.keptFor(rewritten, first.model())).as("the first tower's, replaced").isNull();
        }
        // the same checkpoint folder written again with the other tower: its tower is hashed again
        Path weights = rewritten.resolve(RsgroundCheckpoint.WEIGHTS);
        FileTime before = Files.getLastModifiedTime(weights);
        Files.copy(weightsOf("other").resolve(RsgroundCheckpoint.WEIGHTS), weights,
                StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(weights, FileTime.fromMillis(before.toMillis() + 1000));
        try (LoadedModel other = ModelLoader.load(ModelLoader.Request.of(rewritten))) {
            assertThat(shared.keptFor(rewritten, other.model())).isSameAs(shared.forTower(other.model()));
        }
    }

    @Test
    void evaluationThroughKeptFeaturesPredictsWhatEvaluationFromThePixelsDoes() throws Exception {
        new TrainingRun(frozenTower("evaluated", 5), null).run();
        List<Sample> samples = GroundingDataset.open(data, null).allSamples();
        FrozenTowerFeatures shared = new FrozenTowerFeatures(1L << 30);
        try (LoadedModel loaded = ModelLoader.load(ModelLoader.Request.of(weightsOf("evaluated")))) {
            EvalReport fromPixels = Evaluator.evaluate(loaded.model(), loaded.manager(), loaded.tokenizer(), samples,
                    "all", 4, 1, null);
            FeatureCache cache = shared.forTower(loaded.model());
            EvalReport computing = Evaluator.evaluateSharingFeatures(loaded.model(), loaded.manager(),
                    loaded.tokenizer(), samples, "all", 4, 1, cache);
            long misses = cache.stats()[1];
            EvalReport kept = Evaluator.evaluateSharingFeatures(loaded.model(), loaded.manager(), loaded.tokenizer(),
                    samples, "all", 4, 1, cache);
            assertThat(cache.stats()[1]).as("images computed by the second evaluation").isEqualTo(misses);
            EvalReport noCache = Evaluator.evaluateSharingFeatures(loaded.model(), loaded.manager(),
                    loaded.tokenizer(), samples, "all", 4, 1, null);
            for (EvalReport report : List.of(computing, kept, noCache)) {
                assertSamePredictions(report.predictions(), fromPixels.predictions());
            }
        }
    }

    private static void assertSamePredictions(List<Prediction> actual, List<Prediction> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).index()).isEqualTo(expected.get(i).index());
            double[] a = actual.get(i).predictedCxcywh();
            double[] e = expected.get(i).predictedCxcywh();
            for (int k = 0; k < 4; k++) {
                assertThat(a[k]).as("sample %d, coordinate %d", expected.get(i).index(), k).isCloseTo(e[k],
                        within(1e-5));
            }
        }
    }
}
