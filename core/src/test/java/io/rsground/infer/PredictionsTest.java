package io.rsground.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.data.Batch;
import io.rsground.data.BatchLoader;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.ProgressListener;
import io.rsground.data.Sample;
import io.rsground.eval.Evaluator;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.model.ClipVgModel;
import io.rsground.text.WordTokenizer;
import io.rsground.train.Objectives;
import io.rsground.train.OptimizerKind;
import io.rsground.train.TrainablePolicy;
import io.rsground.train.Trainer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inference that encodes each image once gives the boxes of encoding it for every expression. */
class PredictionsTest {

    @Test
    void oneImageTowerPassPerImageGivesEachRowsOwnBoxes(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("data");
        SceneGenerator.generate(root, 3, 128, 9, 1, ProgressListener.NONE);
        List<Sample> samples = DiorRsvgDataset.open(root, null).allSamples();
        WordTokenizer tokenizer = WordTokenizer.build(samples.stream().map(Sample::query).toList(), 1);
        ModelConfig config = ModelConfigs.preset("tiny").withVocabSize(tokenizer.vocabSize());
        Engine.getInstance().setRandomSeed(3);
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVgModel model = new ClipVgModel(config);
            model.initializeParameters(manager);
            BatchLoader loader = Evaluator.loader(samples, config, tokenizer, samples.size(), 0).build();
            Batch all;
            try (BatchLoader.Epoch epoch = loader.epoch(0)) {
                all = epoch.next();
            }
            // expressions of one image follow each other: three images, more rows
            int[] image = ImageFeatures.sameImageAsPrevious(all);
            assertThat(image[image.length - 1]).isEqualTo(2);
            assertThat(all.size()).isGreaterThan(3);
            float[] together = Predictions.predict(model, manager, all).boxes();
            for (int i = 0; i < all.size(); i++) {
                float[] alone = Predictions.predict(model, manager, row(all, i)).boxes();
                assertThat(Arrays.copyOfRange(together, 4 * i, 4 * i + 4)).containsExactly(alone, within(1e-5f));
            }

            // a trainer with kept image features predicts the same boxes, and keeps those images' features
            Map<Integer, String> imageOf = new HashMap<>();
            samples.forEach(s -> imageOf.put(s.index(), s.imageFile().toString()));
            try (Trainer trainer = new Trainer(model, manager, TrainablePolicy.FREEZE_VISION, OptimizerKind.ADAMW,
                    1e-3, -1, 0, 0, Objectives.boxLoss(1, 1))) {
                trainer.cacheVisualFeatures(imageOf::get, 1L << 30);
                assertThat(trainer.pixelsWanted().test(samples.get(0).index())).isTrue();
                assertThat(trainer.predict(all).boxes()).containsExactly(together, within(1e-5f));
                assertThat(trainer.cachedImages()).isEqualTo(3);
                assertThat(trainer.pixelsWanted().test(samples.get(0).index())).isFalse();
            }
        }
    }

    /** @return row i of the batch as a batch of one */
    private static Batch row(Batch b, int i) {
        int plane = b.imageSize() * b.imageSize();
        int p = b.patches();
        int l = b.tokenLength();
        return new Batch(1, b.imageSize(), Arrays.copyOfRange(b.pixels(), i * 3 * plane, (i + 1) * 3 * plane),
                Arrays.copyOfRange(b.pixelMask(), i * plane, (i + 1) * plane),
                Arrays.copyOfRange(b.patchMask(), i * p, (i + 1) * p), Arrays.copyOfRange(b.tokens(), i * l,
                (i + 1) * l), l, Arrays.copyOfRange(b.boxes(), 4 * i, 4 * i + 4), new int[] {b.sampleIndices()[i]});
    }
}
