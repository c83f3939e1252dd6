package io.rsground.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import io.rsground.config.ModelConfigs;
import io.rsground.data.Batch;
import io.rsground.train.OptimizerKind;
import io.rsground.infer.Predictions;
import io.rsground.train.Objectives;
import io.rsground.train.TrainablePolicy;
import io.rsground.train.Trainer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Steps and predictions leave no arrays behind in the model's manager, and gradients survive a collection. */
class NoLeakTest {

    static Batch randomBatch(int b, int size, int patches, int length, long seed) {
        Random r = new Random(seed);
        float[] px = new float[b * 3 * size * size];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextGaussian();
        }
        long[] tokens = new long[b * length];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 1 + r.nextInt(100);
        }
        float[] boxes = new float[b * 4];
        for (int i = 0; i < boxes.length; i++) {
            boxes[i] = 0.2f + 0.5f * r.nextFloat();
        }
        return new Batch(b, size, px, new byte[b * size * size], new float[b * patches], tokens, length, boxes,
                new int[b]);
    }

    @Test
    void trainingStepsAndPredictionsDoNotGrowTheManager() {
        Engine.getInstance().setRandomSeed(3);
        var tiny = ModelConfigs.preset("tiny");
        var v = tiny.vision();
        // the tiny preset at 64 px: the leak does not depend on the size, the test's run time does
        var config = tiny.withVision(v.withImageSize(64)).withVocabSize(200);
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVgModel model = new ClipVgModel(config);
            model.initializeParameters(manager);
            Batch batch = randomBatch(4, config.vision().imageSize(), config.vision().numPatches(), 9, 1);
            try (Trainer trainer = new Trainer(model, manager, TrainablePolicy.ALL, OptimizerKind.ADAMW, 1e-4, -1,
                    1e-4, 1.0, Objectives.boxLoss(1, 1))) {
                trainer.step(batch, 1);
                Predictions.predict(model, manager, batch);
                System.gc();
                int before = ((PtNDManager) manager).getManagedArrays().size();
                for (int i = 0; i < 5; i++) {
                    Trainer.StepResult r = trainer.step(batch, 1);
                    assertThat(r.gradNorm()).isFinite();
                    Predictions.predict(model, manager, batch);
                    System.gc();
                }
                int after = ((PtNDManager) manager).getManagedArrays().size();
                assertThat(after).isEqualTo(before);
            }
        }
    }
}
