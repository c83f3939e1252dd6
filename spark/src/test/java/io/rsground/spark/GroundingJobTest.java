package io.rsground.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingResult;
import io.rsground.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit program: files in, files out, in input order, relative paths as {@code predict --manifest}. */
class GroundingJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return GroundingJob.run(new PrintWriter(out, true, StandardCharsets.UTF_8),
                new PrintWriter(err, true, StandardCharsets.UTF_8), args);
    }

    private static String[] modelArgs() {
        ModelSpec spec = SparkTesting.spec();
        return new String[] {"--weights", spec.weights(), "--model-config", spec.modelConfig(), "--bpe", spec.bpe()};
    }

    private static String[] concat(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    @Test
    void jsonLinesInJsonLinesOutInInputOrder(@TempDir Path dir) throws Exception {
        Path one = Fixtures.tiny("images/sample_1.png");
        Path three = Fixtures.tiny("images/sample_3.png");
        List<String> lines = List.of(
                "{\"image\": \"" + dir.relativize(three) + "\", \"query\": \"the small blue train station\"}",
                "{\"image\": \"missing.png\", \"query\": \"a ship\"}",
                "{\"image\": \"" + one + "\", \"queries\": [\"the white stadium\", \"a road\"], \"id\": 7}",
                "{\"image\": \"" + dir.relativize(one) + "\", \"query\": \"the ship\"}",
                "",
                "{\"image\": ");
        Files.write(dir.resolve("pairs.jsonl"), lines);
        int code = run(concat(modelArgs(), "--input", dir.resolve("pairs.jsonl").toString(), "--output",
                dir.resolve("out").toString(), "--format", "json", "--partitions", "2", "--master", "local[2]"));

        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("5 rows, 3 answered, 2 with an error");
        List<JsonNode> rows = new ArrayList<>();
        try (Stream<Path> parts = Files.list(dir.resolve("out"))) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                for (String line : Files.readAllLines(part)) {
                    rows.add(JSON.readTree(line));
                }
            }
        }
        // row ids count records: the blank line is none
        assertThat(rows).extracting(r -> r.get("row_id").asLong()).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(rows.get(4).get("error").asText()).startsWith("row_id 4: the input line is not a JSON object");
        assertThat(rows.get(4).get("_corrupt_record").asText()).isEqualTo("{\"image\": ");
        // a relative path is the input folder's, as in predict --manifest: so missing.png is looked for there
        assertThat(rows.get(1).get("error").asText()).contains(dir.resolve("missing.png").toString(), "no such file");
        assertThat(rows.get(2).get("id").asInt()).isEqualTo(7);
        assertThat(run(concat(modelArgs(), "--input", dir.resolve("pairs.jsonl").toString(), "--output",
                dir.resolve("out").toString(), "--master", "local[1]"))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("exists: give --overwrite");
        try (Grounder truth = SparkTesting.directGrounder()) {
            assertBoxes(rows.get(0), truth, three, List.of("the small blue train station"));
            assertBoxes(rows.get(2), truth, one, List.of("the white stadium", "a road"));
            assertBoxes(rows.get(3), truth, one, List.of("the ship"));
        }
    }

    @Test
    void csvInParquetOut(@TempDir Path dir) throws Exception {
        Path two = Fixtures.tiny("images/sample_2.png");
        Files.writeString(dir.resolve("pairs.csv"), "image,query\n" + two + ",the bright tennis court\n"
                + two + ",\n");
        int code = run(concat(modelArgs(), "--input", dir.resolve("pairs.csv").toString(), "--output",
                dir.resolve("out.parquet").toString(), "--master", "local[2]"));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();

        SparkSession spark = SparkTesting.session("GroundingJobTest");
        try (Grounder truth = SparkTesting.directGrounder()) {
            List<Row> rows = spark.read().parquet(dir.resolve("out.parquet").toString()).orderBy("row_id")
                    .collectAsList();
            assertThat(rows).hasSize(2);
            Row answer = rows.get(0).<scala.collection.Seq<Row>>getAs("results").apply(0);
            GroundingResult expected = truth.ground(Images.read(two), "the bright tennis court");
            List<Double> xyxy = answer.getList(answer.fieldIndex("box_xyxy"));
            for (int k = 0; k < 4; k++) {
                assertThat(xyxy.get(k)).isCloseTo(expected.boxXyxy()[k], within(1e-2));
            }
            // CSV reads an empty field as null: the row has no query
            assertThat(rows.get(1).<String>getAs("error")).isEqualTo("row_id 1: field 'query' (or 'queries') is missing");
        } finally {
            spark.stop();
        }
    }

    @Test
    void badArgumentsAndAMissingModelExitWithTwo(@TempDir Path dir) throws Exception {
        assertThat(run("--input", "a.jsonl", "--output", "o")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing --weights");
        err.reset();
        assertThat(run(concat(modelArgs(), "--input", "pairs.txt", "--output", "o"))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--input-format");
        err.reset();

        Files.writeString(dir.resolve("pairs.jsonl"), "{\"image\": \"a.png\", \"query\": \"a ship\"}\n");
        int code = run("--weights", dir.resolve("nothing.safetensors").toString(), "--preset", "tiny", "--input",
                dir.resolve("pairs.jsonl").toString(), "--output", dir.resolve("out").toString(), "--master",
                "local[1]");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot load the model", "nothing.safetensors");
    }

    @Test
    void relativeModelPathsNameTheDriversFilesOnEveryExecutor() {
        // executors on a cluster run in folders of their own: a relative path must not reach them as such
        ModelSpec model = JobArgs.parse("--weights", "models/w.safetensors", "--model-config", "file:/m/model.json",
                "--bpe", "hdfs://nn/clip/bpe.txt.gz", "--input", "a.jsonl", "--output", "o").model();
        assertThat(model.weights()).isEqualTo(Path.of("models/w.safetensors").toAbsolutePath().toString())
                .startsWith("/");
        assertThat(model.modelConfig()).isEqualTo("file:/m/model.json");
        assertThat(model.bpe()).isEqualTo("hdfs://nn/clip/bpe.txt.gz");
        assertThat(JobArgs.parse("--weights", "/abs/../w.safetensors", "--preset", "tiny", "--input", "a.jsonl",
                "--output", "o").model().weights()).isEqualTo("/abs/../w.safetensors");
    }

    private static void assertBoxes(JsonNode row, Grounder truth, Path image, List<String> queries)
            throws Exception {
        assertThat(row.has("error")).as("error %s", row.get("error")).isFalse();
        List<GroundingResult> expected = truth.ground(Images.read(image), queries);
        JsonNode results = row.get("results");
        assertThat(results).hasSize(queries.size());
        for (int i = 0; i < queries.size(); i++) {
            assertThat(results.get(i).get("query").asText()).isEqualTo(queries.get(i));
            for (int k = 0; k < 4; k++) {
                assertThat(results.get(i).get("box_xyxy").get(k).asDouble())
                        .isCloseTo(expected.get(i).boxXyxy()[k], within(1e-2));
                assertThat(results.get(i).get("box_cxcywh_norm").get(k).asDouble())
                        .isCloseTo(expected.get(i).cxcywhNorm()[k], within(1e-5));
            }
        }
    }
}
