package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.data.synth.SceneGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The demo draws its data set again unless the one on disk came from this generator with the same parameters. */
class DemoDataReuseTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode drawnBy(int version) {
        ObjectNode p = JSON.createObjectNode();
        p.put("generator", "rsground synth");
        if (version > 0) {
            p.put("version", version);
        }
        p.put("seed", 0L);
        p.put("images", DemoCommand.IMAGES);
        p.put("size", DemoCommand.SCENE_SIZE);
        p.put("zoom", DemoCommand.ZOOM);
        p.put("crowding", DemoCommand.CROWDING);
        return p;
    }

    @Test
    void onlyTheSameGeneratorAndParametersAreReused() {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs();
        assertThat(demo.drawnAlike(drawnBy(SceneGenerator.VERSION))).isTrue();
        assertThat(demo.drawnAlike(drawnBy(0))).as("a file from before versions (biased splits)").isFalse();
        assertThat(demo.drawnAlike(drawnBy(SceneGenerator.VERSION - 1))).isFalse();
        assertThat(demo.drawnAlike(drawnBy(SceneGenerator.VERSION).put("zoom", DemoCommand.ZOOM + 1))).isFalse();
        assertThat(demo.drawnAlike(drawnBy(SceneGenerator.VERSION).put("images", 8))).isFalse();
    }

    /** An earlier demo's results are kept: the demo stops before drawing or training anything. */
    @Test
    void anEarlierDemosResultsAreNotReplacedUnasked(@TempDir Path dir) throws Exception {
        Path out = Files.createDirectories(dir.resolve("demo-out"));
        Files.writeString(out.resolve("metrics.json"), "{\"mine\": true}");
        CliRunner.Result r = CliRunner.run("demo", "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(r.err()).contains(out.toString()).contains("--overwrite");
        assertThat(out.resolve("metrics.json")).hasContent("{\"mine\": true}");
        try (var entries = Files.list(out)) {
            assertThat(entries).hasSize(1);
        }
    }
}
