package io.rsground.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingResult;
import io.rsground.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark job against the direct {@link Grounder} on the same pairs, and its handling of bad rows. */
class SparkGroundingTest {
    private static SparkSession spark;
    private static Grounder truth;

    @BeforeAll
    static void start() throws Exception {
        spark = SparkTesting.session("SparkGroundingTest");
        truth = SparkTesting.directGrounder();
    }

    @AfterAll
    static void stop() {
        if (truth != null) {
            truth.close();
        }
        if (spark != null) {
            spark.stop();
        }
    }

    private static String image(String name) {
        return Fixtures.tiny("images/" + name).toString();
    }

    /** @return the output rows in input order */
    private static List<Row> byRowId(Dataset<Row> out) {
        List<Row> rows = new ArrayList<>(out.collectAsList());
        rows.sort(Comparator.comparingLong(r -> r.getLong(r.fieldIndex("row_id"))));
        return rows;
    }

    /** Checks one output row's answers against the direct grounder asked the same queries of the same image. */
    private static void assertAgrees(Row row, String imagePath, List<String> queries) throws Exception {
        assertThat(row.isNullAt(row.fieldIndex("error"))).as("error %s", row.<String>getAs("error")).isTrue();
        List<GroundingResult> expected = truth.ground(Images.read(Path.of(imagePath)), queries);
        List<Row> results = row.getList(row.fieldIndex("results"));
        assertThat(results).hasSize(queries.size());
        for (int i = 0; i < queries.size(); i++) {
            Row got = results.get(i);
            assertThat(got.getString(0)).isEqualTo(queries.get(i));
            List<Double> xyxy = got.getList(1);
            List<Double> norm = got.getList(2);
            for (int k = 0; k < 4; k++) {
                // the job batches an image's queries differently from this call: float noise only
                assertThat(xyxy.get(k)).isCloseTo(expected.get(i).boxXyxy()[k], within(1e-2));
                assertThat(norm.get(k)).isCloseTo(expected.get(i).cxcywhNorm()[k], within(1e-5));
            }
            assertThat(got.isNullAt(3)).as("no presence head, no score").isTrue();
        }
    }

    @Test
    void boxesEqualTheDirectGroundersInInputOrder() throws Exception {
        List<String> lines = List.of(
                json(image("sample_1.png"), "\"query\": \"the white stadium at the bottom\""),
                json(image("sample_5.jpg"), "\"query\": \"a big tennis court is on the lower left\""),
                json(image("sample_1.png"), "\"queries\": [\"the ship\", \"a small blue train station\"]"),
                json(image("sample_3.png"), "\"query\": \"the small blue train station\", \"id\": \"x\""),
                json(image("sample_4.png"), "\"query\": \"the black train station at the top left\""),
                json(image("sample_1.png"), "\"query\": \"a road\""));
        Dataset<Row> pairs = spark.read().json(spark.createDataset(lines, Encoders.STRING()));
        List<Row> rows = byRowId(SparkGrounding.ground(pairs, SparkTesting.spec(),
                new SparkGrounding.Options(2, null)));

        assertThat(rows).hasSize(lines.size());
        assertThat(rows).extracting(r -> r.getLong(r.fieldIndex("row_id"))).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        assertThat(rows.get(3).<String>getAs("id")).isEqualTo("x");
        assertAgrees(rows.get(0), image("sample_1.png"), List.of("the white stadium at the bottom"));
        assertAgrees(rows.get(1), image("sample_5.jpg"), List.of("a big tennis court is on the lower left"));
        assertAgrees(rows.get(2), image("sample_1.png"), List.of("the ship", "a small blue train station"));
        assertAgrees(rows.get(3), image("sample_3.png"), List.of("the small blue train station"));
        assertAgrees(rows.get(4), image("sample_4.png"), List.of("the black train station at the top left"));
        assertAgrees(rows.get(5), image("sample_1.png"), List.of("a road"));
    }

    @Test
    void eachImageGoesThroughTheImageTowerOnce() throws Exception {
        // a spec of its own, so that this test's grounder and its counts are fresh
        ModelSpec spec = SparkTesting.spec().withThreads(1);
        List<String> lines = List.of(
                json(image("sample_0.png"), "\"query\": \"a\""),
                json(image("sample_2.png"), "\"query\": \"b\""),
                json(image("sample_0.png"), "\"queries\": [\"c\", \"d\"]"),
                json(image("sample_2.png"), "\"query\": \"e\""),
                json(image("sample_0.png"), "\"query\": \"f\""));
        Dataset<Row> pairs = spark.read().json(spark.createDataset(lines, Encoders.STRING()));
        List<Row> rows = byRowId(SparkGrounding.ground(pairs, spec, new SparkGrounding.Options(2, null)));

        assertThat(rows).allSatisfy(r -> assertThat(r.isNullAt(r.fieldIndex("error"))).isTrue());
        // local mode: the executor's grounder lives in this JVM. Its feature cache sees every image-tower pass:
        // one miss per image and no hit, where rows of one image grounded apart would hit
        long[] hitsMisses = ExecutorModels.get(spec, null).cacheStats();
        assertThat(hitsMisses).containsExactly(0L, 2L);
    }

    @Test
    void badRowsGetTheirOwnErrorAndOneRowEach(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.png");
        Files.write(broken, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        List<String> lines = List.of(
                json(dir.resolve("missing.png").toString(), "\"query\": \"a ship\""),
                json(broken.toString(), "\"query\": \"a ship\""),
                json(image("sample_2.png"), "\"query\": \"   \""),
                json(image("sample_2.png"), "\"queries\": [\"a court\", \"\"]"),
                json(image("sample_2.png"), "\"queries\": []"),
                "{\"query\": \"no image\"}",
                json(image("sample_2.png"), "\"query\": \"a\", \"queries\": [\"b\"]"),
                json(image("sample_2.png"), "\"query\": \"the bright tennis court in the middle\""));
        Dataset<Row> pairs = spark.read().json(spark.createDataset(lines, Encoders.STRING()));
        List<Row> rows = byRowId(SparkGrounding.ground(pairs, SparkTesting.spec(),
                new SparkGrounding.Options(2, null)));

        assertThat(rows).hasSize(lines.size());
        List<String> errors = rows.stream().map(r -> r.<String>getAs("error")).toList();
        assertThat(errors.get(0)).startsWith("row_id 0: image '").contains("missing.png", "no such file");
        assertThat(errors.get(1)).startsWith("row_id 1: image '").contains("broken.png");
        assertThat(errors.get(2)).isEqualTo("row_id 2: the query is empty");
        assertThat(errors.get(3)).isEqualTo("row_id 3: query 2 is empty");
        assertThat(errors.get(4)).isEqualTo("row_id 4: field 'queries' must be a non-empty list of strings");
        assertThat(errors.get(5)).startsWith("row_id 5: field 'image'");
        assertThat(errors.get(6)).isEqualTo("row_id 6: give either 'query' or 'queries', not both");
        for (int i = 0; i < 7; i++) {
            assertThat(rows.get(i).isNullAt(rows.get(i).fieldIndex("results"))).isTrue();
        }
        // the good row that shares its image with four bad ones is answered all the same
        assertAgrees(rows.get(7), image("sample_2.png"), List.of("the bright tennis court in the middle"));
    }

    @Test
    void imagesAsBytesAreGroundedAndUndecodableBytesAreAnError() throws Exception {
        StructType schema = new StructType().add("image", DataTypes.BinaryType).add("query", DataTypes.StringType);
        byte[] png = Files.readAllBytes(Path.of(image("sample_0.png")));
        List<Row> input = List.of(
                RowFactory.create(png, "the tiny green expressway service area"),
                RowFactory.create(new byte[] {1, 2, 3, 4}, "a ship"),
                RowFactory.create(png, "a road"));
        List<Row> rows = byRowId(SparkGrounding.ground(spark.createDataFrame(input, schema), SparkTesting.spec(),
                new SparkGrounding.Options(2, null)));

        assertThat(rows).hasSize(3);
        assertAgrees(rows.get(0), image("sample_0.png"), List.of("the tiny green expressway service area"));
        assertThat(rows.get(1).<String>getAs("error")).startsWith("row_id 1: image bytes (4 bytes): ");
        assertAgrees(rows.get(2), image("sample_0.png"), List.of("a road"));
    }

    @Test
    void modelAndImagesOnAHadoopFileSystemReachTheExecutorsThroughTheDriversSettings() throws Exception {
        String uri = SchemeFileSystem.SCHEME + "://";
        ModelSpec local = SparkTesting.spec();
        // only the driver knows the scheme: executors learn it from the broadcast Hadoop settings
        spark.sparkContext().hadoopConfiguration().set("fs." + SchemeFileSystem.SCHEME + ".impl",
                SchemeFileSystem.class.getName());
        // no instance cached by the model's read may stand in for the settings at the image's
        spark.sparkContext().hadoopConfiguration().setBoolean("fs." + SchemeFileSystem.SCHEME
                + ".impl.disable.cache", true);
        try {
            ModelSpec remote = new ModelSpec(uri + local.weights(), uri + local.modelConfig(), null,
                    uri + local.bpe(), 0);
            List<String> lines = List.of(json(uri + image("sample_3.png"), "\"query\": \"the small blue station\""),
                    json(uri + image("nothing.png"), "\"query\": \"a ship\""));
            Dataset<Row> pairs = spark.read().json(spark.createDataset(lines, Encoders.STRING()));
            List<Row> rows = byRowId(SparkGrounding.ground(pairs, remote, new SparkGrounding.Options(1, null)));

            assertAgrees(rows.get(0), image("sample_3.png"), List.of("the small blue station"));
            assertThat(rows.get(1).<String>getAs("error")).contains(uri + image("nothing.png"), "no such file");
            // the model files were copied to local files for the loader
            assertThat(new LocalFiles(spark.sparkContext().hadoopConfiguration()).local(remote.weights()))
                    .isRegularFile().hasSameBinaryContentAs(Path.of(local.weights()));
        } finally {
            spark.sparkContext().hadoopConfiguration().unset("fs." + SchemeFileSystem.SCHEME + ".impl");
            spark.sparkContext().hadoopConfiguration().unset("fs." + SchemeFileSystem.SCHEME + ".impl.disable.cache");
        }
    }

    @Test
    void aMissingColumnIsNamedBeforeAnythingRuns() {
        Dataset<Row> noQuery = spark.read().json(spark.createDataset(List.of("{\"image\": \"a.png\"}"),
                Encoders.STRING()));
        assertThatThrownBy(() -> SparkGrounding.ground(noQuery, SparkTesting.spec()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'query'");
        Dataset<Row> noImage = spark.read().json(spark.createDataset(List.of("{\"query\": \"a\"}"),
                Encoders.STRING()));
        assertThatThrownBy(() -> SparkGrounding.ground(noImage, SparkTesting.spec()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'image'");
    }

    private static String json(String imagePath, String rest) {
        return "{\"image\": \"" + imagePath.replace("\\", "\\\\") + "\", " + rest + "}";
    }
}
