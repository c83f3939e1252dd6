package io.rsground.scratch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.config.ModelConfigs;
import io.rsground.config.TrainConfig;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.ProgressListener;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.model.ClipVgModel;
import io.rsground.train.EpochLog;
import io.rsground.train.Recipes;
import io.rsground.train.Stage;
import io.rsground.train.Trainer;
import io.rsground.train.TrainingRun;
import io.rsground.weights.HostTensor;
import io.rsground.weights.RsgroundCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A staged run of the from-scratch wing: vision pre-training runs once and freezes the tower, and a run stopped or
 * killed around it resumes as it should.
 */
class StagedRunTest {
    @TempDir
    static Path shared;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = shared.resolve("data");
        SceneGenerator.generate(data, 6, 96, 5, 1, ProgressListener.NONE);
    }

    /** A staged run on the shared scenes: tiny preset at 64 px, no augmentation, stage 1 by step count. */
    static TrainConfig stagedRun(Path out, int epochs, int pretrainSteps) {
        try {
            return Recipes.load("referent").dataRoot(data.toString()).out(out.toString()).preset("tiny").imsize(64)
                    .epochs(epochs).batchSize(8).lr(1e-3).numWorkers(1).noGeometricAugmentation()
                    .trainable("freeze_vision").stageSetting(VisionPretrainingStage.NAME, "steps", pretrainSteps)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TrainConfig resuming(TrainConfig config, Path checkpoint) {
        return config.toBuilder().resume(checkpoint.toString()).build();
    }

    /** Resumes a run from {@code checkpoint}, adding 1 to {@code stagesDone[0]} for each recipe stage it finishes. */
    static TrainingRun.Outcome resumeCountingStages(TrainConfig config, Path checkpoint, int[] stagesDone)
            throws Exception {
        return new TrainingRun(resuming(config, checkpoint), new TrainingRun.Listener() {
            @Override
            public void stageDone(Stage.Report result) {
                stagesDone[0]++;
            }
        }).run();
    }

    @Test
    void stagedRunPretrainsOnceFreezesTheTowerAndResumes(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        // the demo's tower: a convolutional stem in place of CLIP's patch projection
        TrainConfig config = stagedRun(out, 2, 12).toBuilder().textLayers(1).convStem(List.of(4, 8, 16, 32))
                .build();
        int[] pretrainedCalls = new int[1];
        TrainingRun[] run = new TrainingRun[1];
        run[0] = new TrainingRun(config, new TrainingRun.Listener() {
            @Override
            public void stageDone(Stage.Report result) {
                pretrainedCalls[0]++;
                assertThat(result.steps()).isEqualTo(12);
                @SuppressWarnings("unchecked")
                Map<String, Double> terms = (Map<String, Double>) result.summary().get("final");
                assertThat(terms).containsKeys("classes", "box", "box_l1", "position", "class_accuracy");
            }

            @Override
            public void epochDone(EpochLog log) {
                run[0].requestStop();
            }
        });
        assertThat(run[0].run().epochsCompleted()).isEqualTo(1);
        assertThat(pretrainedCalls[0]).isEqualTo(1);
        JsonNode summary = new ObjectMapper().readTree(out.resolve("pretrain-vision.json").toFile());
        assertThat(summary.get("steps").asInt()).isEqualTo(12);
        // the stage's picture: its terms logged every ten steps
        assertThat(out.resolve(VisionPretrainingStage.PLOT)).isNotEmptyFile();
        DiorRsvgDataset dataset = DiorRsvgDataset.open(data, null);
        Set<Path> trainImages = new HashSet<>(dataset.split("train").stream()
                .map(Sample::imageFile).toList());
        long valImages = dataset.split("val").stream().map(Sample::imageFile).distinct()
                .filter(f -> !trainImages.contains(f)).count();
        JsonNode heldOut = summary.get("held_out");
        assertThat(heldOut.get("images").asInt()).as("every validation image the tower never trained on")
                .isEqualTo((int) valImages).isPositive();
        assertThat(heldOut.get("box_l1").asDouble()).isBetween(0.0, 1.0);
        assertThat(heldOut.get("class_accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(summary.get("classes").size()).isGreaterThanOrEqualTo(2);
        assertThat(summary.get("labels").size()).as("classes and the scenes' colours")
                .isGreaterThan(summary.get("classes").size());
        Map<String, HostTensor> afterEpoch1 = RsgroundCheckpoint.read(out.resolve(TrainingRun.LAST)).weights();

        TrainingRun.Outcome resumed = resumeCountingStages(config, out.resolve(TrainingRun.LAST), pretrainedCalls);
        assertThat(resumed.epochsCompleted()).isEqualTo(2);
        assertThat(pretrainedCalls[0]).as("stage 1 is not repeated on resume").isEqualTo(1);
        Map<String, HostTensor> end = RsgroundCheckpoint.read(out.resolve(TrainingRun.LAST)).weights();
        int vision = 0;
        int changed = 0;
        for (String k : end.keySet()) {
            boolean same = Arrays.equals(end.get(k).floats(), afterEpoch1.get(k).floats());
            if (ClipVgModel.isVisionParameter(k)) {
                vision++;
                assertThat(same).as(k + " stays frozen").isTrue();
            } else if (!same) {
                changed++;
            }
        }
        assertThat(vision).isPositive();
        assertThat(changed).as("the rest trains").isPositive();
        assertThat(end.keySet()).noneMatch(k -> k.startsWith("aux."));
        assertThat(RsgroundCheckpoint.read(out.resolve(TrainingRun.LAST)).config().text().layers())
                .as("--text-layers 1 against the preset's %d", ModelConfigs.preset("tiny").text().layers())
                .isEqualTo(1);
        assertThat(end.keySet()).anyMatch(k -> k.startsWith("clip.transformer.resblocks.0."))
                .noneMatch(k -> k.startsWith("clip.transformer.resblocks.1."));
        assertThat(RsgroundCheckpoint.read(out.resolve(TrainingRun.LAST)).config().vision().convStem())
                .containsExactly(4, 8, 16, 32);
        assertThat(end.keySet()).contains("clip.visual.conv_stem.0.weight", "clip.visual.conv_stem.3.bias",
                "clip.visual.conv_stem.proj.weight").doesNotContain("clip.visual.conv1.weight");
    }

    @Test
    void aRunKilledAfterVisionPretrainingResumesWithItsTower(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        TrainConfig config = stagedRun(out, 1, 6).toBuilder().textLayers(1).augJitter(false).build();
        int[] pretrainedCalls = new int[1];
        // the process dies at the first grounding step
        assertThatThrownBy(() -> new TrainingRun(config, new TrainingRun.Listener() {
            @Override
            public void stageDone(Stage.Report result) {
                pretrainedCalls[0]++;
            }

            @Override
            public void step(int epoch, int batch, int batches, Trainer.StepResult result) {
                throw new IllegalStateException("killed");
            }
        }).run()).hasMessage("killed");
        Path last = out.resolve(TrainingRun.LAST);
        JsonNode state = new ObjectMapper().readTree(last.resolve("training-state.json").toFile());
        assertThat(state.get("stages_done").toString()).isEqualTo("[\"vision_pretraining\"]");
        assertThat(state.get("epoch").asInt()).isZero();
        Map<String, HostTensor> tower = RsgroundCheckpoint.read(last).weights();

        TrainingRun.Outcome resumed = resumeCountingStages(config, last, pretrainedCalls);
        assertThat(resumed.epochsCompleted()).isEqualTo(1);
        assertThat(pretrainedCalls[0]).as("the tower is not trained again").isEqualTo(1);
        Map<String, HostTensor> end = RsgroundCheckpoint.read(last).weights();
        tower.forEach((k, v) -> {
            if (ClipVgModel.isVisionParameter(k)) {
                assertThat(end.get(k).floats()).as(k).containsExactly(v.floats());
            }
        });
    }

    @Test
    void ctrlCDuringVisionPretrainingSavesAndTheResumedRunPretrainsAgain(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        TrainConfig config = stagedRun(out, 1, 1000);
        TrainingRun[] run = new TrainingRun[1];
        int[] lastStep = new int[1];
        run[0] = new TrainingRun(config, new TrainingRun.Listener() {
            @Override
            public void stageProgress(String stage, int step, double fraction, Map<String, Double> terms) {
                lastStep[0] = step;
                if (step >= 20) {
                    run[0].requestStop();
                }
            }
        });
        TrainingRun.Outcome stopped = run[0].run();
        assertThat(stopped.stopped()).isTrue();
        assertThat(stopped.epochsCompleted()).isZero();
        assertThat(lastStep[0]).as("the stage ends at the next step, not after its 1000").isLessThan(40);
        JsonNode state = new ObjectMapper().readTree(out.resolve(TrainingRun.LAST).resolve("training-state.json")
                .toFile());
        assertThat(state.get("stages_done").size()).as("the stage cut short is not done").isZero();
        assertThat(state.get("epoch").asInt()).isZero();

        int[] pretrainedSteps = new int[1];
        TrainingRun.Outcome resumed = new TrainingRun(resuming(config, out.resolve(TrainingRun.LAST)).toBuilder()
                .stageSetting(VisionPretrainingStage.NAME, "steps", 10).build(), new TrainingRun.Listener() {
                    @Override
                    public void stageDone(Stage.Report result) {
                        pretrainedSteps[0] = result.steps();
                    }
                }).run();
        assertThat(pretrainedSteps[0]).as("stage 1 runs again on resume").isEqualTo(10);
        assertThat(resumed.stopped()).isFalse();
        assertThat(resumed.epochsCompleted()).isEqualTo(1);
    }
}
