package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.data.synth.SceneOptions;
import io.rsground.testing.PresenceCheckpoints;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval --json} prints the metrics on stdout as {@code predict --json} does; {@code --metrics FILE} writes them. */
class EvalJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void jsonPrintsTheMetricsOnStdoutAndMetricsWritesThemToAFile(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 6, 96, 3, 1, new SceneOptions(2, 0.4), ProgressListener.NONE);
        Path checkpoint = PresenceCheckpoints.untrained(dir.resolve("model"), 96, 5);
        String[] base = {"eval", "--weights", checkpoint.toString(), "--data-root", data.toString(), "--split",
            "test", "--num-workers", "0"};

        CliRunner.Result stdout = CliRunner.run(concat(base, "--json"));
        assertThat(stdout.exitCode()).as(stdout.err()).isZero();
        JsonNode printed = JSON.readTree(stdout.out());
        assertThat(printed.get("split").asText()).isEqualTo("test");
        assertThat(printed.get("pixel").has("pr50")).isTrue();
        assertThat(printed.has("presence")).as("the model has a presence head").isTrue();

        Path metrics = dir.resolve("m.json");
        CliRunner.Result file = CliRunner.run(concat(base, "--metrics", metrics.toString()));
        assertThat(file.exitCode()).as(file.err()).isZero();
        assertThat(file.out()).contains("Pr@0.5");
        assertThat(JSON.readTree(metrics.toFile()).get("pixel")).isEqualTo(printed.get("pixel"));

        // the file form of --json writes the same file
        Path legacy = dir.resolve("legacy.json");
        CliRunner.Result named = CliRunner.run(concat(base, "--json", legacy.toString()));
        assertThat(named.exitCode()).as(named.err()).isZero();
        assertThat(JSON.readTree(legacy.toFile()).get("pixel")).isEqualTo(printed.get("pixel"));

        CliRunner.Result both = CliRunner.run(concat(base, "--json", legacy.toString(), "--metrics",
                metrics.toString()));
        assertThat(both.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(both.err()).contains("--metrics").contains("--json");
    }

    private static String[] concat(String[] head, String... more) {
        String[] all = new String[head.length + more.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(more, 0, all, head.length, more.length);
        return all;
    }
}
