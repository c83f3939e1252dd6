package io.rsground.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.config.ConfigException;
import io.rsground.weights.HostTensor;
import io.rsground.weights.SafeTensors;
import io.rsground.weights.WeightFileException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Features read through the mapped shards equal those the plain safetensors reader reads. */
class MappedImageFeaturesTest {
    private static final String SHA = "ab".repeat(32);
    private static final long[] SHAPE = {5, 6}; // [1 + P, W * n] of a made-up tower
    private static final int FLOATS = 30;
    private static final int SIZE = 32;

    @Test
    void readsEachImageAsWrittenAcrossSeveralRegionsPerShard(@TempDir Path dir) throws Exception {
        Map<String, float[]> written = writeFolder(dir, 2, 5);
        // two tensors per mapping: each shard of five needs three regions
        MappedImageFeatures files = ImageFeatureFiles.open(dir, SHA, SIZE, FLOATS,
                List.of("img/0.jpg", "img/1.jpg", "img/5.jpg", "img/9.jpg", "img/2.jpg", "img/6.jpg", "absent.jpg"),
                2L * FLOATS * Float.BYTES);
        assertThat(files.keys()).containsExactlyInAnyOrder("img/0.jpg", "img/1.jpg", "img/2.jpg", "img/5.jpg",
                "img/6.jpg", "img/9.jpg");
        assertThat(files.regions()).isEqualTo(4); // {0, 1} {2} in one shard, {5, 6} {9} (7 and 8 lie between) in the other
        for (String key : files.keys()) {
            assertThat(files.read(key)).containsExactly(written.get(key));
        }
        MappedImageFeatures all = ImageFeatureFiles.open(dir, SHA, SIZE, FLOATS, written.keySet(),
                MappedImageFeatures.MAX_REGION_BYTES);
        assertThat(all.regions()).isEqualTo(2);
        for (Map.Entry<String, float[]> e : written.entrySet()) {
            assertThat(all.read(e.getKey())).containsExactly(e.getValue());
        }
        MappedImageFeatures renamed = all.renamed(Map.of("/data/img/3.jpg", "img/3.jpg", "/data/x.jpg", "x.jpg"));
        assertThat(renamed.keys()).containsExactly("/data/img/3.jpg");
        assertThat(renamed.read("/data/img/3.jpg")).containsExactly(written.get("img/3.jpg"));
    }

    @Test
    void aCacheBackedByFilesReadsThemWithoutKeepingThem(@TempDir Path dir) throws Exception {
        Map<String, float[]> written = writeFolder(dir, 1, 2);
        FeatureCache cache = FeatureCache.firstUpTo(1); // room for no image at all
        cache.readFrom(ImageFeatureFiles.open(dir, SHA, SIZE, FLOATS, written.keySet(),
                MappedImageFeatures.MAX_REGION_BYTES));
        assertThat(cache.holds("img/1.jpg")).isTrue();
        assertThat(cache.holds("img/2.jpg")).isFalse();
        cache.put("img/1.jpg", new float[FLOATS]); // the files' features win over anything offered
        assertThat(cache.get("img/1.jpg")).containsExactly(written.get("img/1.jpg"));
        assertThat(cache.get("img/2.jpg")).isNull();
        assertThat(cache.size()).isZero();
        assertThat(cache.storedImages()).isEqualTo(2);
        assertThat(cache.stats()).containsExactly(1, 1);
    }

    @Test
    void aTruncatedShardNamesTheFileAndTheTensor(@TempDir Path dir) throws Exception {
        writeFolder(dir, 1, 3);
        Path shard = dir.resolve("shard-0.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            f.setLength(f.length() - 10);
        }
        assertThatThrownBy(() -> ImageFeatureFiles.open(dir, SHA, SIZE, FLOATS, List.of("img/0.jpg"),
                MappedImageFeatures.MAX_REGION_BYTES)).isInstanceOf(WeightFileException.class)
                .hasMessageContaining(shard.toString()).hasMessageContaining("tensor 'img/2.jpg'")
                .hasMessageContaining("truncated");
    }

    @Test
    void anotherTowerSizeOrShapeIsRefusedByName(@TempDir Path dir) throws Exception {
        writeFolder(dir, 1, 2);
        assertThatThrownBy(() -> ImageFeatureFiles.open(dir, "cd".repeat(32), SIZE, FLOATS, List.of("img/0.jpg"),
                MappedImageFeatures.MAX_REGION_BYTES)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(ImageFeatureFiles.MANIFEST).hasMessageContaining("vision_sha256");
        assertThatThrownBy(() -> ImageFeatureFiles.open(dir, SHA, 64, FLOATS, List.of("img/0.jpg"),
                MappedImageFeatures.MAX_REGION_BYTES)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("shard-0.safetensors").hasMessageContaining("32 px");
        assertThatThrownBy(() -> ImageFeatureFiles.open(dir, SHA, SIZE, FLOATS + 1, List.of("img/1.jpg"),
                MappedImageFeatures.MAX_REGION_BYTES)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("shard-0.safetensors").hasMessageContaining("tensor 'img/1.jpg'")
                .hasMessageContaining("31 values");
    }

    /** Writes {@code shards} shards of {@code perShard} random images each and their manifest. */
    private static Map<String, float[]> writeFolder(Path dir, int shards, int perShard) throws Exception {
        Random random = new Random(7);
        Map<String, float[]> written = new LinkedHashMap<>();
        StringBuilder manifest = new StringBuilder("{\"format\":\"" + ImageFeatureFiles.FORMAT
                + "\",\"vision_sha256\":\"" + SHA + "\",\"weights\":\"w\",\"errors\":{},\"shards\":{");
        for (int s = 0; s < shards; s++) {
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < perShard; i++) {
                String key = "img/" + (s * perShard + i) + ".jpg";
                float[] values = new float[FLOATS];
                for (int j = 0; j < FLOATS; j++) {
                    values[j] = (float) random.nextGaussian();
                }
                tensors.put(key, HostTensor.ofFloats(SHAPE, values));
                written.put(key, values);
                manifest.append(written.size() > 1 ? "," : "").append('"').append(key)
                        .append("\":\"shard-").append(s).append(".safetensors\"");
            }
            SafeTensors.write(dir.resolve("shard-" + s + ".safetensors"), tensors,
                    Map.of("vision_sha256", SHA, "image_size", Integer.toString(SIZE)));
        }
        Files.writeString(dir.resolve(ImageFeatureFiles.MANIFEST), manifest.append("}}").toString());
        return written;
    }
}
