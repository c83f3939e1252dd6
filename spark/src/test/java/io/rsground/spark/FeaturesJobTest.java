package io.rsground.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.testing.Fixtures;
import io.rsground.weights.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The features program: a data root in, shards and a manifest out; a missing root is bad input. */
class FeaturesJobTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        ModelSpec spec = SparkTesting.spec();
        String[] all = Stream.concat(Stream.of("--weights", spec.weights(), "--model-config", spec.modelConfig(),
                "--bpe", spec.bpe(), "--master", "local[1]"), Stream.of(args)).toArray(String[]::new);
        return FeaturesJob.run(new PrintWriter(out, true, StandardCharsets.UTF_8),
                new PrintWriter(err, true, StandardCharsets.UTF_8), all);
    }

    @Test
    void writesOneShardAndTheManifest(@TempDir Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("data/JPEGImages"));
        Files.copy(Fixtures.tiny("images/sample_5.jpg"), images.resolve("00001.jpg"));
        int code = run("--data-root", dir.resolve("data").toString(), "--output", dir.resolve("f").toString());

        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("1 images, 1 written in 1 shards, 0 with an error");
        assertThat(dir.resolve("f/" + SparkFeatures.MANIFEST)).isRegularFile();
        try (Stream<Path> files = Files.list(dir.resolve("f"))) {
            Path shard = files.filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
            assertThat(SafeTensors.read(shard)).containsOnlyKeys("JPEGImages/00001.jpg");
        }
    }

    @Test
    void aMissingDataRootOrFlagIsBadInput(@TempDir Path dir) {
        assertThat(run("--data-root", dir.resolve("none").toString(), "--output", dir.resolve("f").toString()))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("JPEGImages: no such folder");
        assertThat(run("--output", dir.resolve("f").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing --data-root");
    }
}
