package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run's own files read back after a crash or an edit: training-state.json and log.jsonl. */
class RunFilesTest {

    private static final String STATE = """
            {"epoch": %s, "batches_done": 0, "iteration": 40, "best_pr50": 0.5, "planned_epochs": 0, "seed": 1,
             "policy": %s, "stages_done": []}
            """;

    @TempDir
    Path dir;

    @Test
    void aValidStateReads() throws IOException {
        Files.writeString(dir.resolve("training-state.json"), STATE.formatted("3", "\"FREEZE_CLIP\""));
        RunState state = RunCheckpoints.readState(dir);
        assertThat(state.epoch()).isEqualTo(3);
        assertThat(state.policy()).isEqualTo("FREEZE_CLIP");
    }

    @Test
    void aStateNoRunCouldWriteIsRefusedWithTheFileAndKey() throws IOException {
        Path file = dir.resolve("training-state.json");
        Files.writeString(file, STATE.formatted("-3", "\"ALL\""));
        assertThatThrownBy(() -> RunCheckpoints.readState(dir)).isInstanceOf(IOException.class)
                .hasMessage(file + ": 'epoch' is -3; expected an integer >= 0");
        Files.writeString(file, STATE.formatted("3", "\"NOPE\""));
        assertThatThrownBy(() -> RunCheckpoints.readState(dir)).hasMessageStartingWith(file + ": 'policy' is \"NOPE\"; "
                + "expected one of [ALL, FREEZE_CLIP");
        Files.writeString(file, STATE.formatted("\"three\"", "\"ALL\""));
        assertThatThrownBy(() -> RunCheckpoints.readState(dir)).hasMessageStartingWith(file + ": not a training state");
    }

    @Test
    void aLogLineCutByACrashIsDroppedAndAnyOtherBadLineNamed() throws IOException {
        Path file = dir.resolve("log.jsonl");
        RunCheckpoints checkpoints = new RunCheckpoints(dir, null, 256);
        String epoch1 = "{\"epoch\":1,\"train_loss\":0.5,\"seconds\":1.0,\"samples_per_second\":2.0,\"skipped\":0}\n";
        Files.writeString(file, epoch1 + "{\"epoch\":2,\"train_lo");
        assertThat(checkpoints.readLog(2)).extracting(EpochLog::epoch).containsExactly(1);
        assertThat(Files.readString(file)).doesNotContain("train_lo\"");

        Files.writeString(file, epoch1 + "{\"epoch\":2,\"train_lo\n" + epoch1);
        assertThatThrownBy(() -> checkpoints.readLog(2)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(file + ": line 2 is not an epoch record");
    }

    @Test
    void aFullDiskNamesTheLog() throws IOException {
        Path full = Path.of("/dev/full");
        assumeThat(Files.isWritable(full)).isTrue();
        Path file = Files.createSymbolicLink(dir.resolve("log.jsonl"), full);
        RunCheckpoints checkpoints = new RunCheckpoints(dir, null, 256);
        EpochLog log = new EpochLog(1, 0.5, Map.of(), null, null, Map.of(), 1.0, 2.0, 0);
        assertThatThrownBy(() -> checkpoints.appendLog(log)).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot append to " + file).hasMessageContaining("No space left on device");
    }
}
