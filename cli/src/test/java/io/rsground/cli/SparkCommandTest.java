package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rsground spark ground}: the command reaches the Spark job, in local mode, from the application's own
 * classpath (the job itself is tested in the spark module); its rows equal {@code predict --manifest}'s lines.
 */
class SparkCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void groundsInLocalModeAsPredictManifestDoes(@TempDir Path dir) throws Exception {
        Path image = CliRunner.tiny("images/sample_4.png");
        Files.write(dir.resolve("pairs.jsonl"), List.of(
                "{\"image\": \"" + dir.relativize(image) + "\", \"queries\": [\"the black train station\", \"a road\"]}",
                "{\"image\": \"" + image + "\", \"query\": \"\"}"));
        String[] model = {"--weights", CliRunner.tiny("weights.safetensors").toString(), "--model-config",
            CliRunner.tiny("model.json").toString(), "--bpe",
            CliRunner.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz").toString()};
        CliRunner.Result spark = CliRunner.run(concat(new String[] {"spark", "ground"}, model, "--input",
                dir.resolve("pairs.jsonl").toString(), "--output", dir.resolve("out").toString(), "--format",
                "json", "--master", "local[1]"));
        assertThat(spark.exitCode()).as(spark.err()).isZero();
        assertThat(spark.out()).contains("2 rows, 1 answered, 1 with an error");
        CliRunner.Result manifest = CliRunner.run(concat(new String[] {"predict"}, model, "--manifest",
                dir.resolve("pairs.jsonl").toString(), "--out", dir.resolve("manifest.jsonl").toString()));
        assertThat(manifest.exitCode()).as(manifest.err()).isZero();

        List<JsonNode> rows = partLines(dir.resolve("out"));
        List<String> expected = Files.readAllLines(dir.resolve("manifest.jsonl"));
        assertThat(rows).hasSize(2);
        JsonNode want = JSON.readTree(expected.get(0)).get("results");
        JsonNode got = rows.get(0).get("results");
        for (int q = 0; q < 2; q++) {
            assertThat(got.get(q).get("query")).isEqualTo(want.get(q).get("query"));
            assertThat(got.get(q).get("box_xyxy")).isEqualTo(want.get(q).get("box_xyxy"));
            assertThat(got.get(q).get("box_cxcywh_norm")).isEqualTo(want.get(q).get("box_cxcywh_norm"));
        }
        assertThat(rows.get(1).get("error").asText()).isEqualTo("row_id 1: the query is empty");
        assertThat(JSON.readTree(expected.get(1)).get("error").asText()).contains("empty");
    }

    @Test
    void helpListsTheJobsFlags() {
        CliRunner.Result r = CliRunner.run("spark", "ground", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--weights", "--input", "--output", "--format", "--master", "--partitions",
                "--threads");
        CliRunner.Result features = CliRunner.run("spark", "features", "--help");
        assertThat(features.exitCode()).isZero();
        assertThat(features.out()).contains("--weights", "--data-root", "--output", "--master", "--partitions");
    }

    private static List<JsonNode> partLines(Path folder) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        try (Stream<Path> parts = Files.list(folder)) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                for (String line : Files.readAllLines(part)) {
                    rows.add(JSON.readTree(line));
                }
            }
        }
        return rows;
    }

    private static String[] concat(String[] a, String[] b, String... c) {
        return Stream.of(a, b, c).flatMap(Stream::of).toArray(String[]::new);
    }
}
