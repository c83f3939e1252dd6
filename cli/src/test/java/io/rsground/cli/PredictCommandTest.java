package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String[] base(String image, String... more) {
        String[] head = {"predict", "--weights", CliRunner.tiny("checkpoint.pth").toString(), "--model-config",
                CliRunner.tiny("model.json").toString(), "--bpe",
                CliRunner.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz").toString(), "--image",
                CliRunner.tiny(image).toString()};
        String[] all = new String[head.length + more.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(more, 0, all, head.length, more.length);
        return all;
    }

    @Test
    void jsonLinesHoldTheReferenceBoxes(@TempDir Path dir) throws Exception {
        JsonNode samples = JSON.readTree(CliRunner.tiny("samples.json").toFile()).get("samples");
        JsonNode s = samples.get(0);
        Path annotated = dir.resolve("annotated.png");
        CliRunner.Result r = CliRunner.run(base(s.get("image").asText(), "--query", s.get("query").asText(),
                "--query", "the ship", "--json", "--out", annotated.toString()));
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        JsonNode first = JSON.readTree(lines[0]);
        assertThat(first.get("query").asText()).isEqualTo(s.get("query").asText());
        for (int i = 0; i < 4; i++) {
            assertThat(first.get("box_xyxy").get(i).asDouble())
                    .isCloseTo(s.get("pred_box_xyxy").get(i).asDouble(), org.assertj.core.data.Offset.offset(1.0));
            assertThat(first.get("box_cxcywh_norm").get(i).asDouble()).isBetween(0.0, 1.0);
        }
        assertThat(JSON.readTree(lines[1]).get("query").asText()).isEqualTo("the ship");
        var image = ImageIO.read(annotated.toFile());
        assertThat(image.getWidth()).isEqualTo(s.get("width").asInt());
    }

    @Test
    void anOutputThatCannotBeWrittenFailsBeforeTheModelRunsNamingThePath(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nonexistent/a.png");
        CliRunner.Result r = CliRunner.run(base("images/sample_1.png", "--query", "the ship", "--out",
                missing.toString()));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.out()).as("nothing predicted").isEmpty();
        assertThat(r.err()).contains(missing + ": the folder " + dir.resolve("nonexistent") + " does not exist")
                .doesNotContain("\tat ");
        Path webp = dir.resolve("x.webp");
        CliRunner.Result w = CliRunner.run(base("images/sample_1.png", "--query", "the ship", "--out",
                webp.toString()));
        assertThat(w.exitCode()).isEqualTo(2);
        assertThat(w.err()).contains(webp + ": cannot write '.webp' pictures; name the file .png or .jpg");
        assertThat(webp).doesNotExist();
    }

    @Test
    void aJpgNameWritesAJpeg(@TempDir Path dir) throws Exception {
        Path jpg = dir.resolve("x.jpg");
        CliRunner.Result r = CliRunner.run(base("images/sample_1.png", "--query", "the ship", "--out",
                jpg.toString()));
        assertThat(r.exitCode()).as(r.err()).isZero();
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(jpg), 2);
        assertThat(head).containsExactly(0xff, 0xd8);
    }

    @Test
    void clipVgWeightsAnswerWithoutAScoreAndCannotTile() throws Exception {
        CliRunner.Result r = CliRunner.run(base("images/sample_1.png", "--query", "the ship", "--json",
                "--min-score", "0.9"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode line = JSON.readTree(r.out().strip());
        assertThat(line.get("score").isNull()).isTrue();
        // no score is never below a threshold: the box stays
        assertThat(line.get("boxes")).hasSize(1);
        assertThat(line.get("boxes").get(0).get("rank").asInt()).isEqualTo(1);
        assertThat(line.get("boxes").get(0).get("box_xyxy")).isEqualTo(line.get("box_xyxy"));
        CliRunner.Result text = CliRunner.run(base("images/sample_1.png", "--query", "the ship"));
        assertThat(text.out()).contains("no score (the model has no presence head)");
        CliRunner.Result tiled = CliRunner.run(base("images/sample_1.png", "--query", "the ship", "--tiles", "64"));
        assertThat(tiled.exitCode()).isEqualTo(2);
        assertThat(tiled.err()).contains("no presence head");
        CliRunner.Result badTiles = CliRunner.run(base("images/sample_1.png", "--query", "x", "--tiles", "big"));
        assertThat(badTiles.exitCode()).isEqualTo(2);
        assertThat(badTiles.err()).contains("--tiles takes auto, off or a window side");
    }

    @Test
    void geoJsonIsInMapCoordinatesWithAWorldFileAndInPixelsWithout(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("scene.png");
        Files.copy(CliRunner.tiny("images/sample_1.png"), image);
        // 2 m pixels, the centre of pixel (0, 0) at (600001, 5000001): its corner at (600000, 5000002)
        Files.writeString(dir.resolve("scene.pgw"), "2\n0\n0\n-2\n600001\n5000001\n");
        Path geojson = dir.resolve("boxes.geojson");
        CliRunner.Result r = CliRunner.run(base("images/sample_1.png", "--query", "the ship", "--json",
                "--geojson", geojson.toString()));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("no georeferencing");
        assertThat(JSON.readTree(geojson.toFile()).get("rsground:coordinates").asText()).isEqualTo("pixels");
        CliRunner.Result again = CliRunner.run(base("images/sample_1.png", "--query", "the ship", "--geojson",
                geojson.toString()));
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("boxes.geojson exists").contains("--overwrite");

        String[] args = base("images/sample_1.png", "--query", "the ship", "--json", "--geojson",
                geojson.toString(), "--overwrite");
        args[8] = image.toString(); // the copy with its world file, in place of the fixture
        CliRunner.Result geo = CliRunner.run(args);
        assertThat(geo.exitCode()).as(geo.err()).isZero();
        double[] box = JSON.readValue(JSON.readTree(geo.out().strip()).get("box_xyxy").toString(), double[].class);
        JsonNode feature = JSON.readTree(geojson.toFile()).get("features").get(0);
        JsonNode corner = feature.get("geometry").get("coordinates").get(0).get(0);
        assertThat(corner.get(0).asDouble()).isCloseTo(600_000 + 2 * box[0], org.assertj.core.data.Offset.offset(1e-6));
        assertThat(corner.get(1).asDouble()).isCloseTo(5_000_002 - 2 * box[1],
                org.assertj.core.data.Offset.offset(1e-6));
        assertThat(feature.get("properties").get("query").asText()).isEqualTo("the ship");
        assertThat(feature.get("properties").get("rank").asInt()).isEqualTo(1);
    }

    @Test
    void badInputExitsWithTwoAndOneLine(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.png");
        Files.write(broken, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        CliRunner.Result unreadable = CliRunner.run("predict", "--weights", CliRunner.tiny("checkpoint.pth")
                .toString(), "--model-config", CliRunner.tiny("model.json").toString(), "--image",
                broken.toString(), "--query", "a ship");
        assertThat(unreadable.exitCode()).isEqualTo(2);
        assertThat(unreadable.err().strip().lines().count()).isEqualTo(1);
        assertThat(unreadable.err()).contains("broken.png");

        Path absent = dir.resolve("absent.png");
        CliRunner.Result noImage = CliRunner.run("predict", "--weights", CliRunner.tiny("checkpoint.pth").toString(),
                "--model-config", CliRunner.tiny("model.json").toString(), "--image", absent.toString(), "--query",
                "a ship");
        assertThat(noImage.exitCode()).isEqualTo(2);
        assertThat(noImage.err()).contains(absent + ": no such file").doesNotContain("not a readable image");
        Path folder = Files.createDirectory(dir.resolve("scenes"));
        CliRunner.Result aFolder = CliRunner.run("predict", "--weights", CliRunner.tiny("checkpoint.pth").toString(),
                "--model-config", CliRunner.tiny("model.json").toString(), "--image", folder.toString(), "--query",
                "a ship");
        assertThat(aFolder.exitCode()).isEqualTo(2);
        assertThat(aFolder.err()).contains(folder + ": is a folder").doesNotContain("no such file");

        CliRunner.Result empty = CliRunner.run(base("images/sample_4.png", "--query", " "));
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(empty.err()).contains("query 1 is empty");

        CliRunner.Result missing = CliRunner.run("predict", "--weights", dir.resolve("nope.pth").toString(),
                "--preset", "tiny", "--image", CliRunner.tiny("images/sample_4.png").toString(), "--query", "x");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.pth").contains("does not exist");

        CliRunner.Result mismatch = CliRunner.run("predict", "--weights", CliRunner.tiny("weights.safetensors")
                .toString(), "--preset", "tiny", "--bpe", CliRunner.shared().resolve(
                "clip/bpe_simple_vocab_16e6.txt.gz").toString(), "--image", CliRunner.tiny("images/sample_4.png")
                .toString(), "--query", "x");
        assertThat(mismatch.exitCode()).isEqualTo(2);
        assertThat(mismatch.err()).contains("do not fit the model").contains("mis-shaped");
        assertThat(mismatch.err().strip().lines().count()).isEqualTo(1);

        CliRunner.Result noArch = CliRunner.run("predict", "--weights", CliRunner.tiny("weights.safetensors")
                .toString(), "--image", CliRunner.tiny("images/sample_4.png").toString(), "--query", "x");
        assertThat(noArch.exitCode()).isEqualTo(2);
        assertThat(noArch.err()).contains("--preset");
    }
}
