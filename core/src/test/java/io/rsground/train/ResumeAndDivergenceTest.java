package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.config.TrainConfig;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.weights.HostTensor;
import io.rsground.weights.RsgroundCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run stopped at any point and resumed ends with the same weights; a diverging run stops and keeps its last. */
class ResumeAndDivergenceTest {
    @TempDir
    static Path shared;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = shared.resolve("data");
        SceneGenerator.generate(data, 5, 96, 21, 1, ProgressListener.NONE);
    }

    static TrainConfig config(Path out, int epochs) {
        // the tiny preset at 64 px keeps the three runs quick; resuming does not depend on the size
        // with the reference's augmentations: resuming must reproduce their random draws too
        return TrainConfig.builder().dataRoot(data.toString()).out(out.toString()).preset("tiny").imsize(64)
                .epochs(epochs).batchSize(8).lr(3e-4).numWorkers(1).seed(7).warmupEpochs(0.5).augCrop(true)
                .augScale(true).augTranslate(true).build();
    }

    static TrainConfig resuming(TrainConfig config, Path checkpoint) {
        return config.toBuilder().resume(checkpoint.toString()).build();
    }

    static Map<String, HostTensor> weights(Path out) throws Exception {
        return RsgroundCheckpoint.read(out.resolve(TrainingRun.LAST)).weights();
    }

    @Test
    void stoppingAnywhereAndResumingGivesTheSameWeights(@TempDir Path dir) throws Exception {
        Path straight = dir.resolve("straight");
        new TrainingRun(config(straight, 2), null).run();

        // stop at the end of epoch 1
        Path a = dir.resolve("a");
        TrainingRun[] run = new TrainingRun[1];
        run[0] = new TrainingRun(config(a, 2), new TrainingRun.Listener() {
            @Override
            public void epochDone(EpochLog log) {
                run[0].requestStop();
            }
        });
        assertThat(run[0].run().stopped()).isTrue();
        new TrainingRun(resuming(config(a, 2), a.resolve(TrainingRun.LAST)), null).run();

        // stop in the middle of epoch 2 (after its second batch)
        Path b = dir.resolve("b");
        run[0] = new TrainingRun(config(b, 2), new TrainingRun.Listener() {
            @Override
            public void step(int epoch, int batch, int batches, Trainer.StepResult result) {
                if (epoch == 1 && batch == 2) {
                    run[0].requestStop();
                }
            }
        });
        TrainingRun.Outcome stopped = run[0].run();
        assertThat(stopped.stopped()).isTrue();
        assertThat(stopped.epochsCompleted()).isEqualTo(1);
        TrainingRun.Outcome resumed = new TrainingRun(resuming(config(b, 2), b.resolve(TrainingRun.LAST)), null).run();
        assertThat(resumed.epochsCompleted()).isEqualTo(2);
        assertThat(resumed.history()).hasSize(2);

        Map<String, HostTensor> expected = weights(straight);
        for (Path resumedRun : new Path[] {a, b}) {
            Map<String, HostTensor> got = weights(resumedRun);
            assertThat(got.keySet()).isEqualTo(expected.keySet());
            for (String k : expected.keySet()) {
                assertThat(Arrays.equals(got.get(k).floats(), expected.get(k).floats())).as(resumedRun + ": " + k)
                        .isTrue();
            }
            assertThat(Files.readAllLines(resumedRun.resolve("log.jsonl"))).hasSize(2);
        }
        assertThat(straight.resolve("loss.png")).exists();
        assertThat(straight.resolve(TrainingRun.BEST)).isDirectory();
    }

    @Test
    void aNonFiniteLossStopsWithAHintAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        new TrainingRun(config(out, 1), null).run();
        Map<String, HostTensor> good = weights(out);
        // a test recipe whose loss turns NaN once the run has moved on from its first epoch, as a real divergence
        // would (a too-high rate saturates the sigmoids before it overflows, so that is no reliable trigger)
        Objectives.registerTerm("nan-later", c -> (in, log) -> {
            ai.djl.ndarray.NDArray l1 = in.out().boxes().sub(in.targetBoxes()).abs().sum();
            return l1.mul(io.rsground.model.Nn.scalar(l1, Double.NaN));
        });
        TrainConfig exploding = resuming(config(out, 3), out.resolve(TrainingRun.LAST)).toBuilder()
                .lossWeight("nan-later", 1).build();
        assertThatThrownBy(() -> new TrainingRun(exploding, null).run())
                .isInstanceOf(DivergenceException.class).hasMessageContaining("lower --lr");
        Map<String, HostTensor> after = weights(out);
        for (String k : good.keySet()) {
            assertThat(Arrays.equals(after.get(k).floats(), good.get(k).floats())).as(k).isTrue();
        }
        assertThat(RsgroundCheckpoint.read(out.resolve(TrainingRun.LAST)).info().get("epoch").asInt()).isEqualTo(1);
    }
}
