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

    /** A layout without JPEGImages/ (RSVG-HR's CSV) gives the images its annotations name, keyed as training reads. */
    @Test
    void anyLayoutGivesTheImagesItsAnnotationsName(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("hr/images"));
        Files.copy(Fixtures.tiny("images/sample_5.jpg"), root.resolve("a.jpg"));
        Files.copy(Fixtures.tiny("images/sample_5.jpg"), root.resolve("b.jpg"));
        Files.copy(Fixtures.tiny("images/sample_5.jpg"), root.resolve("unused.jpg"));
        Files.writeString(dir.resolve("hr/train.csv"), "b.jpg,10,20,60,80,the tank\na.jpg,5,6,25,30,a car\n"
                + "b.jpg,1,2,30,40,the other tank\n");
        Files.writeString(dir.resolve("hr/test.csv"), "a.jpg,5,6,25,30,the car\n");
        var rows = SparkFeatures.imagesOf(SparkTesting.session("layouts"), dir.resolve("hr").toString()).collectAsList();
        assertThat(rows).extracting(r -> r.getString(1)).containsExactly("images/a.jpg", "images/b.jpg");
        assertThat(rows).extracting(r -> Path.of(java.net.URI.create(r.getString(0))))
                .containsExactly(root.resolve("a.jpg"), root.resolve("b.jpg"));
    }

    @Test
    void aMissingDataRootOrFlagIsBadInput(@TempDir Path dir) {
        assertThat(run("--data-root", dir.resolve("none").toString(), "--output", dir.resolve("f").toString()))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("none: no such folder");
        assertThat(run("--output", dir.resolve("f").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing --data-root");
    }
}
