package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.config.ModelConfigs;
import io.rsground.config.TrainConfig;
import org.junit.jupiter.api.Test;

/** The demo's convolutional stem follows the preset's tower, and its training settings carry it. */
class DemoDefaultsTest {

    @Test
    void theStemDoublesItsChannelsUpToTheTowerWidthOncePerHalvingOfThePatch() {
        assertThat(DemoDefaults.convStem(ModelConfigs.preset("tiny").vision())).containsExactly(16, 32, 64, 128);
        assertThat(DemoDefaults.convStem(ModelConfigs.preset("vit-b-16").vision()))
                .containsExactly(96, 192, 384, 768);
        assertThat(DemoDefaults.convStem(ModelConfigs.preset("vit-b-32").vision()))
                .containsExactly(48, 96, 192, 384, 768);
        // 14 px is no power of two: CLIP's projection stays
        assertThat(DemoDefaults.convStem(ModelConfigs.preset("vit-l-14").vision())).isEmpty();
        // every stem it gives is one the model config accepts
        for (String preset : ModelConfigs.PRESETS) {
            var config = ModelConfigs.preset(preset);
            assertThat(config.withVision(config.vision().withConvStem(DemoDefaults.convStem(config.vision())))
                    .vision().patchSize()).isEqualTo(config.vision().patchSize());
        }
    }

    @Test
    void theDemoTrainsFromScratchWithTheStem() {
        TrainConfig c = DemoDefaults.trainConfig("data", null, "out", "tiny", 9, 0, 2);
        assertThat(c.convStem()).containsExactly(16, 32, 64, 128);
        assertThat(c.weights()).isNull();
    }

    @Test
    void theDemoShardsItsGroundingStageWithoutChangingStageOne() {
        TrainConfig c = DemoDefaults.trainConfig("data", null, "out", "tiny", 9, 0, 2);
        // copies side by side need a forward pass without random draws, and shards of equal size
        assertThat(c.replicas()).isGreaterThan(1);
        assertThat(c.vlDropout()).isZero();
        assertThat(c.batchSize() % c.replicas()).isZero();
        // stage 1 keeps the batch its learning rate was measured with
        assertThat(c.pretrainVisionBatch()).isEqualTo(32);
    }
}
