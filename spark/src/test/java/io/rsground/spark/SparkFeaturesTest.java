package io.rsground.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.infer.ImageFeatureFiles;
import io.rsground.infer.MappedImageFeatures;
import io.rsground.testing.Fixtures;
import io.rsground.weights.HostTensor;
import io.rsground.weights.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The features job against the reference CLIP-VG's own image features of the fixture images. */
class SparkFeaturesTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTesting.session("SparkFeaturesTest");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void shardsHoldTheImageTowersOutputPerImage(@TempDir Path root) throws Exception {
        Path images = Files.createDirectories(root.resolve("data/JPEGImages"));
        for (int i : new int[] {1, 3, 4}) { // PNG: the reference's pixels are exact for them
            Files.copy(Fixtures.tiny("images/sample_" + i + ".png"), images.resolve("sample_" + i + ".png"));
        }
        Files.write(images.resolve("broken.jpg"), new byte[] {1, 2, 3});
        String out = root.resolve("features").toString();
        List<Row> rows = SparkFeatures.compute(SparkFeatures.imagesOf(spark, root.resolve("data").toString()),
                SparkTesting.spec(), out, 2);

        assertThat(rows).hasSize(4);
        JsonNode manifest = new ObjectMapper().readTree(Path.of(out, SparkFeatures.MANIFEST).toFile());
        assertThat(manifest.get("errors").fieldNames()).toIterable().containsExactly("JPEGImages/broken.jpg");
        assertThat(manifest.get("shards").fieldNames()).toIterable().containsExactly("JPEGImages/sample_1.png",
                "JPEGImages/sample_3.png", "JPEGImages/sample_4.png");
        String sha = manifest.get("vision_sha256").asText();
        assertThat(sha).matches("[0-9a-f]{64}");

        Map<String, HostTensor> reference = SafeTensors.read(Fixtures.tiny("expected.safetensors"));
        float[] allReference = reference.get("visual_features").floats(); // [6, 197, 512]
        int perImage = 197 * 512;
        for (int i : new int[] {1, 3, 4}) {
            String key = "JPEGImages/sample_" + i + ".png";
            Path shard = Path.of(out, manifest.get("shards").get(key).asText());
            assertThat(SafeTensors.readHeader(shard).metadata()).containsEntry("vision_sha256", sha);
            HostTensor got = SafeTensors.read(shard).get(key);
            assertThat(got.shape()).containsExactly(197, 512);
            // the reference's features of its own preprocessing (PNG: the same pixels but for resampling noise)
            assertThat(maxDiff(got.floats(), allReference, i * perImage)).isLessThan(1e-4);
        }
        // the same through the mapped reader training uses
        List<String> keys = List.of("JPEGImages/sample_1.png", "JPEGImages/sample_3.png", "JPEGImages/sample_4.png");
        MappedImageFeatures mapped = ImageFeatureFiles.open(Path.of(out), sha, 224, perImage, keys,
                MappedImageFeatures.MAX_REGION_BYTES);
        assertThat(mapped.keys()).containsExactlyInAnyOrderElementsOf(keys);
        for (int i : new int[] {1, 3, 4}) {
            assertThat(maxDiff(mapped.read("JPEGImages/sample_" + i + ".png"), allReference, i * perImage))
                    .isLessThan(1e-4);
        }
        assertThatThrownBy(() -> SparkFeatures.compute(SparkFeatures.imagesOf(spark, root.resolve("data")
                .toString()), SparkTesting.spec(), out, 2)).hasMessageContaining("exists");
    }

    private static double maxDiff(float[] a, float[] b, int offset) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[offset + i]));
        }
        return worst;
    }
}
