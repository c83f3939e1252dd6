package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.config.TrainConfig;
import io.rsground.scratch.ScratchArchitecture;
import io.rsground.scratch.VisionPretrainingStage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo's recipe, read from its JSON: a from-scratch stem tower, sharded stage 2, a plan fixed in steps. */
class DemoRecipeTest {

    private static TrainConfig demo(String... args) throws Exception {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs(args);
        return demo.trainConfig(Path.of("data"), Path.of("out"));
    }

    @Test
    void theStemDoublesItsChannelsUpToTheTowerWidthOncePerHalvingOfThePatch() {
        assertThat(ScratchArchitecture.doublingStem(ModelConfigs.preset("tiny").vision()))
                .containsExactly(16, 32, 64, 128);
        assertThat(ScratchArchitecture.doublingStem(ModelConfigs.preset("vit-b-16").vision()))
                .containsExactly(96, 192, 384, 768);
        assertThat(ScratchArchitecture.doublingStem(ModelConfigs.preset("vit-b-32").vision()))
                .containsExactly(48, 96, 192, 384, 768);
        // 14 px is no power of two: CLIP's projection stays
        assertThat(ScratchArchitecture.doublingStem(ModelConfigs.preset("vit-l-14").vision())).isEmpty();
        // every stem it gives is one the model config accepts
        for (String preset : ModelConfigs.PRESETS) {
            ModelConfig config = ModelConfigs.preset(preset);
            assertThat(config.withVision(config.vision().withConvStem(ScratchArchitecture.doublingStem(
                    config.vision()))).vision().patchSize()).isEqualTo(config.vision().patchSize());
        }
    }

    @Test
    void theDemoTrainsFromScratchWithTheStem() throws Exception {
        TrainConfig c = demo();
        assertThat(c.model().convStem()).isEqualTo(ScratchArchitecture.doublingStem(ModelConfigs.preset(
                c.model().preset()).vision())).containsExactly(16, 32, 64, 128);
        assertThat(c.model().textLayers()).isEqualTo(1);
        assertThat(c.model().weights()).isNull();
        // another preset gets the stem of its own tower
        assertThat(demo("--preset", "vit-b-16").model().convStem()).containsExactly(96, 192, 384, 768);
    }

    @Test
    void theDemoShardsItsGroundingStageWithoutChangingStageOne() throws Exception {
        TrainConfig c = demo();
        // copies side by side need a forward pass without random draws, and shards of equal size
        assertThat(c.optim().replicas()).isGreaterThan(1);
        assertThat(c.model().vlDropout()).isZero();
        assertThat(c.optim().batchSize() % c.optim().replicas()).isZero();
        // stage 1 keeps the batch its learning rate was measured with
        assertThat(c.recipe().stages().get(VisionPretrainingStage.NAME)).containsEntry("batch", 32);
    }

    @Test
    void theDemoIsAPlanInStepsUnlessGivenMinutes() throws Exception {
        TrainConfig c = demo();
        assertThat(c.run().timeBudgetMinutes()).isZero();
        assertThat((Integer) c.recipe().stages().get(VisionPretrainingStage.NAME).get("steps")).isPositive();
        assertThat(demo("--pretrain-vision-steps", "50", "--epochs", "3").recipe().stages()
                .get(VisionPretrainingStage.NAME)).containsEntry("steps", 50);
        TrainConfig budgeted = demo("--minutes", "20");
        assertThat(budgeted.run().timeBudgetMinutes()).isEqualTo(20);
        assertThat(budgeted.recipe().stages().get(VisionPretrainingStage.NAME)).containsEntry("steps", 0)
                .containsEntry("minutes", 12.0);
    }
}
