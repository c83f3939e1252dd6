package io.rsground.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.config.VisionConfig;
import org.junit.jupiter.api.Test;

/** The real-size preset builds and runs on random weights. */
class PresetForwardTest {

    @Test
    void vitB16RunsOnRandomWeights() {
        ModelConfig config = ModelConfigs.preset("vit-b-16");
        Engine.getInstance().setRandomSeed(7);
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVgModel model = new ClipVgModel(config);
            model.initializeParameters(manager);
            // counted by hand from the reference module shapes:
            // vision 85,797,888 (conv 589,824 + class 768 + positions 151,296 + ln_pre 1,536 + 12 x 7,087,872)
            // text 63,428,096 (tokens 25,296,896 + positions 39,424 + 12 x 3,152,384 + ln_final 1,024
            //   + projection 262,144)
            // ml_visu_proj 1,573,376 + text_proj 262,656 + [REG] 512 + vl_pos_embed 140,800
            // fusion 6 x 3,152,384 = 18,914,304 + head 527,364
            // (CLIP's unused ln_post, proj and logit_scale are not held)
            long params = model.parameterCount();
            System.out.printf("vit-b-16 parameters: %,d%n", params);
            assertThat(params).isEqualTo(170_644_996L);

            int b = 2;
            VisionConfig v = config.vision();
            NDArray pixels = manager.randomNormal(new Shape(b, 3, v.imageSize(), v.imageSize()));
            NDArray patchMask = manager.zeros(new Shape(b, v.numPatches()));
            long[] ids = new long[b * config.maxQueryLen()];
            ids[0] = 49406;
            ids[1] = 320;
            ids[2] = 49407;
            ids[config.maxQueryLen()] = 49406;
            ids[config.maxQueryLen() + 1] = 49407;
            NDArray tokens = manager.create(ids, new Shape(b, config.maxQueryLen()));
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
            try {
                ClipVgModel.Output out = model.forward(null, pixels, patchMask, tokens, false);
                assertThat(out.boxes().getShape()).isEqualTo(new Shape(b, 4));
                float[] boxes = out.boxes().toFloatArray();
                for (float x : boxes) {
                    assertThat(x).isStrictlyBetween(0f, 1f);
                }
                assertThat(out.boxes().getDataType()).isEqualTo(DataType.FLOAT32);
            } finally {
                ai.djl.pytorch.jni.JniUtils.setGradMode(true);
            }
        }
    }
}
