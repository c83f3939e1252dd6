package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.config.ConfigException;
import io.rsground.config.TrainConfig;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.weights.RsgroundCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run's folder: an earlier run is never replaced unasked, and what a killed run left is put right. */
class RunFolderTest {
    @TempDir
    static Path shared;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = shared.resolve("data");
        SceneGenerator.generate(data, 4, 96, 5, 1, ProgressListener.NONE);
    }

    private static TrainConfig config(Path out, int epochs, double lr) {
        return TrainConfig.builder().dataRoot(data.toString()).out(out.toString()).preset("tiny").imsize(64)
                .epochs(epochs).batchSize(8).lr(lr).numWorkers(0).seed(3).build();
    }

    @Test
    void aNewRunRefusesAFolderHoldingAnEarlierOne(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run1");
        new TrainingRun(config(out, 2, 1e-4), null).run();
        String log = Files.readString(out.resolve(RunCheckpoints.LOG));
        assertThat(log.lines()).hasSize(2);

        assertThatThrownBy(() -> new TrainingRun(config(out, 1, 1e-4), null).run())
                .isInstanceOf(ConfigException.class).hasMessageContaining(out.toString())
                .hasMessageContaining("--resume " + out.resolve(TrainingRun.LAST)).hasMessageContaining("--overwrite")
                .hasMessageContaining("log.jsonl");
        assertThat(Files.readString(out.resolve(RunCheckpoints.LOG))).isEqualTo(log);

        new TrainingRun(config(out, 1, 1e-4), null).replacingEarlierRun(true).run();
        assertThat(Files.readString(out.resolve(RunCheckpoints.LOG)).lines()).hasSize(1);

        Path empty = Files.createDirectories(dir.resolve("empty"));
        new TrainingRun(config(empty, 1, 1e-4), null).run();
        assertThat(RsgroundCheckpoint.isCheckpoint(empty.resolve(TrainingRun.BEST))).isTrue();
    }

    /**
     * A run killed while writing its first best checkpoint had recorded that best in its last one; resumed, it
     * writes the best again even though no later epoch beats it (a rate of 1e-9 keeps every epoch's Pr@0.5 equal).
     */
    @Test
    void aBestCheckpointLostWhileBeingWrittenIsWrittenAgainOnResume(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        new TrainingRun(config(out, 1, 1e-9), null).run();
        RsgroundCheckpoint.deleteTree(out.resolve(TrainingRun.BEST));
        Files.createDirectories(out.resolve(TrainingRun.BEST + ".tmp-123"));
        Files.createDirectories(out.resolve(TrainingRun.LAST + ".tmp-456"));

        TrainConfig resumed = config(out, 2, 1e-9).toBuilder().resume(out.resolve(TrainingRun.LAST).toString())
                .build();
        TrainingRun.Outcome outcome = new TrainingRun(resumed, null).run();

        assertThat(outcome.history()).hasSize(2);
        assertThat(outcome.history().get(1).val().get("pr50")).as("no improvement to trigger the write")
                .isEqualTo(outcome.history().get(0).val().get("pr50"));

        assertThat(RsgroundCheckpoint.isCheckpoint(out.resolve(TrainingRun.BEST))).isTrue();
        try (var entries = Files.list(out)) {
            assertThat(entries.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
    }

    @Test
    void aCheckpointMovedAsideByAKilledWriteIsMovedBack(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("checkpoint");
        Path aside = Files.createDirectories(dir.resolve("checkpoint.old"));
        Files.writeString(aside.resolve("checkpoint.json"), "{}");
        Files.createDirectories(dir.resolve("checkpoint.tmp-1"));
        Files.createDirectories(dir.resolve("checkpointer.tmp-1"));

        RsgroundCheckpoint.recover(checkpoint);

        assertThat(checkpoint.resolve("checkpoint.json")).hasContent("{}");
        assertThat(aside).doesNotExist();
        assertThat(dir.resolve("checkpoint.tmp-1")).doesNotExist();
        assertThat(dir.resolve("checkpointer.tmp-1")).as("another checkpoint's temporary folder").exists();

        Files.createDirectories(aside);
        RsgroundCheckpoint.recover(checkpoint);
        assertThat(aside).as("a stale copy beside a complete checkpoint").doesNotExist();
        assertThat(checkpoint.resolve("checkpoint.json")).exists();
    }
}
