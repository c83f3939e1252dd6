package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.data.ProgressListener;
import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.ModelLoader;
import io.rsground.geo.GeoTiffs;
import io.rsground.infer.SceneGrounder;
import io.rsground.infer.onnx.OnnxExporter;
import io.rsground.infer.onnx.OnnxGrounder;
import io.rsground.testing.PresenceCheckpoints;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code predict --manifest}: bad lines get their own error, good ones their boxes, each image encoded once. */
class PredictManifestTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Grounder grounder(int cache) throws Exception {
        return new Grounder(ModelLoader.load(new ModelLoader.Request(CliRunner.tiny("checkpoint.pth"),
                CliRunner.tiny("model.json"), null, bpe(), true)), cache);
    }

    private static Path bpe() {
        return CliRunner.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz");
    }

    /** A manifest mixing good lines (relative and absolute paths, one image asked three times) and bad ones. */
    private static Path writeManifest(Path dir, List<String> manyQueries) throws Exception {
        Path one = CliRunner.tiny("images/sample_1.png");
        Path four = CliRunner.tiny("images/sample_4.png");
        String rel1 = dir.relativize(one).toString();
        String rel4 = dir.relativize(four).toString();
        Files.write(dir.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        List<String> lines = new ArrayList<>();
        lines.add(line("image", rel1, "query", "the white stadium", "id", "a"));
        lines.add(line("image", "missing.png", "query", "a ship"));
        lines.add("{\"image\": \"" + rel4 + "\", \"queries\": [\"the ship\", \"a tank\"]}");
        lines.add("{\"image\": ");
        lines.add(line("image", "broken.png", "query", "a ship"));
        lines.add(line("image", rel1, "query", "  "));
        lines.add("");
        lines.add(line("image", one.toAbsolutePath().toString(), "query", "the ship at the pier"));
        lines.add("{\"image\": \"" + rel4 + "\", \"query\": \"a road\", \"extra\": {\"k\": [1, 2]}}");
        lines.add("{\"query\": \"no image\"}");
        lines.add("[1, 2]");
        lines.add(JSON.writeValueAsString(JSON.createObjectNode().put("image", rel1).set("queries",
                JSON.valueToTree(manyQueries))));
        Path manifest = dir.resolve("pairs.jsonl");
        Files.write(manifest, lines);
        return manifest;
    }

    private static String line(String... keyValues) throws Exception {
        var node = JSON.createObjectNode();
        for (int i = 0; i < keyValues.length; i += 2) {
            node.put(keyValues[i], keyValues[i + 1]);
        }
        return JSON.writeValueAsString(node);
    }

    private static List<String> manyQueries() {
        List<String> queries = new ArrayList<>();
        for (int i = 0; i < 35; i++) { // more than one model call's worth (32)
            queries.add("object number " + i);
        }
        return queries;
    }

    /** Compares a line's results with the grounder's own answer for that image and those queries alone. */
    private static void assertBoxes(JsonNode results, Grounder truth, Path image, List<String> queries)
            throws Exception {
        List<GroundingResult> expected = truth.ground(Images.read(image), queries);
        assertThat(results).hasSize(queries.size());
        for (int i = 0; i < queries.size(); i++) {
            assertThat(results.get(i).get("query").asText()).isEqualTo(queries.get(i));
            for (int k = 0; k < 4; k++) {
                assertThat(results.get(i).get("box_xyxy").get(k).asDouble())
                        .isCloseTo(expected.get(i).boxXyxy()[k], within(1e-3));
                assertThat(results.get(i).get("box_cxcywh_norm").get(k).asDouble())
                        .isCloseTo(expected.get(i).cxcywhNorm()[k], within(1e-5));
            }
        }
    }

    /**
     * The ONNX engine (weights exported in the process) keeps image features as the DJL engine does: the same
     * manifest runs the image tower as often, and its lines get DJL's boxes.
     */
    @Test
    void theOnnxEngineEncodesEachImageOnceToo(@TempDir Path dir) throws Exception {
        Path manifest = writeManifest(dir, manyQueries());
        StringWriter onnxOut = new StringWriter();
        StringWriter djlOut = new StringWriter();
        long[] stats;
        try (OnnxGrounder onnx = OnnxGrounder.of(ModelLoader.load(new ModelLoader.Request(
                CliRunner.tiny("checkpoint.pth"), CliRunner.tiny("model.json"), null, bpe(), true)),
                OnnxExporter.Precision.FLOAT32, 1, 4); Grounder djl = grounder(4)) {
            new ManifestRunner(onnx, manifest, null).run(onnxOut, (done, total) -> { });
            stats = onnx.cacheStats().clone();
            new ManifestRunner(djl, manifest, null).run(djlOut, (done, total) -> { });
            assertThat(stats).containsExactly(djl.cacheStats());
        }
        assertThat(stats).containsExactly(1L, 2L); // one tower run per image, one hit for the 37-query line's 2nd call
        String[] onnxLines = onnxOut.toString().split("\n");
        String[] djlLines = djlOut.toString().split("\n");
        assertThat(onnxLines).hasSameSizeAs(djlLines);
        for (int i = 0; i < onnxLines.length; i++) {
            JsonNode a = JSON.readTree(onnxLines[i]);
            JsonNode b = JSON.readTree(djlLines[i]);
            assertThat(a.has("results")).isEqualTo(b.has("results"));
            for (int r = 0; a.has("results") && r < a.get("results").size(); r++) {
                for (int k = 0; k < 4; k++) {
                    assertThat(a.get("results").get(r).get("box_cxcywh_norm").get(k).asDouble()).isCloseTo(
                            b.get("results").get(r).get("box_cxcywh_norm").get(k).asDouble(), within(1e-4));
                }
            }
        }
    }

    @Test
    void eachLineGetsItsBoxesOrItsErrorAndEachImageIsEncodedOnce(@TempDir Path dir) throws Exception {
        List<String> many = manyQueries();
        Path manifest = writeManifest(dir, many);
        Path drawn = dir.resolve("drawn");
        StringWriter out = new StringWriter();
        List<int[]> progress = new ArrayList<>();
        ManifestRunner.Summary summary;
        long[] stats;
        try (Grounder grounder = grounder(4)) {
            ProgressListener listener = (done, total) -> progress.add(new int[] {done, total});
            summary = new ManifestRunner(grounder, manifest, drawn).run(out, listener);
            stats = grounder.cacheStats().clone();
        }
        // sample_1 (lines 1, 8, 12) and sample_4 (3, 9): the image tower ran once for each, in the first call for
        // it; only sample_1's 37 queries needed a second call (32 per call), which found its features cached
        assertThat(stats[1]).as("cache misses = image tower runs").isEqualTo(2);
        assertThat(stats[0]).as("cache hits").isEqualTo(1);
        assertThat(summary).isEqualTo(new ManifestRunner.Summary(11, 6, 2, 1 + 2 + 1 + 1 + many.size()));
        assertThat(progress.get(progress.size() - 1)).containsExactly(11, 11);

        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(11);
        List<JsonNode> rows = new ArrayList<>();
        for (String l : lines) {
            rows.add(JSON.readTree(l));
        }
        assertThat(rows.get(0).get("id").asText()).isEqualTo("a"); // input fields are kept
        assertThat(rows.get(1).get("error").asText()).contains("line 2").contains("missing.png");
        assertThat(rows.get(3).get("line").asInt()).isEqualTo(4);
        assertThat(rows.get(3).get("input").asText()).isEqualTo("{\"image\": ");
        assertThat(rows.get(3).get("error").asText()).contains("invalid JSON");
        assertThat(rows.get(4).get("error").asText()).contains("broken.png");
        assertThat(rows.get(5).get("error").asText()).isEqualTo("line 6: query 1 is empty");
        assertThat(rows.get(7).get("extra").get("k")).hasSize(2);
        assertThat(rows.get(8).get("error").asText()).contains("line 10").contains("'image'");
        assertThat(rows.get(9).get("error").asText()).contains("line 11").contains("JSON object");
        for (int bad : new int[] {1, 3, 4, 5, 8, 9}) {
            assertThat(rows.get(bad).has("results")).isFalse();
        }

        Path one = CliRunner.tiny("images/sample_1.png");
        Path four = CliRunner.tiny("images/sample_4.png");
        try (Grounder truth = grounder(0)) {
            assertBoxes(rows.get(0).get("results"), truth, one, List.of("the white stadium"));
            assertBoxes(rows.get(2).get("results"), truth, four, List.of("the ship", "a tank"));
            assertBoxes(rows.get(6).get("results"), truth, one, List.of("the ship at the pier"));
            assertBoxes(rows.get(7).get("results"), truth, four, List.of("a road"));
            assertBoxes(rows.get(10).get("results"), truth, one, many);
        }

        // one drawing per image that was grounded, at its own size
        try (var files = Files.list(drawn)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("sample_1.png",
                    "sample_4.png");
        }
        var picture = ImageIO.read(drawn.resolve("sample_1.png").toFile());
        assertThat(picture.getWidth()).isEqualTo(640);
        assertThat(picture.getHeight()).isEqualTo(480);
    }

    /** A byte that is not UTF-8 fails its own line; a BOM is skipped; text after the JSON object is an error. */
    @Test
    void encodingAndTrailingTextFailOnlyTheirLine(@TempDir Path dir) throws Exception {
        String rel1 = dir.relativize(CliRunner.tiny("images/sample_1.png")).toString();
        String good = line("image", rel1, "query", "the white stadium");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        bytes.write(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
        bytes.write((good + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        bytes.write(line("image", rel1, "query", "the ship").substring(0, 10).getBytes());
        bytes.write(new byte[] {(byte) 0xff, 'x', '\n'});
        bytes.write((good + " trailing\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        bytes.write((good.replace("stadium", "st\u00e4dium") + "\r\n").getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        Path manifest = dir.resolve("pairs.jsonl");
        Files.write(manifest, bytes.toByteArray());
        StringWriter out = new StringWriter();
        ManifestRunner.Summary summary;
        try (Grounder grounder = grounder(4)) {
            summary = new ManifestRunner(grounder, manifest, null).run(out, (done, total) -> { });
        }
        assertThat(summary.lines()).isEqualTo(4);
        assertThat(summary.failed()).isEqualTo(2);
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(JSON.readTree(lines[0]).has("results")).as("a BOM before the first line").isTrue();
        assertThat(JSON.readTree(lines[1]).get("error").asText()).isEqualTo("line 2: not valid UTF-8 (byte 11 of the "
                + "line, 0xff)");
        assertThat(JSON.readTree(lines[2]).get("error").asText()).contains("line 3").contains("invalid JSON");
        assertThat(JSON.readTree(lines[3]).get("results").get(0).get("query").asText()).isEqualTo(
                "the white st\u00e4dium");
    }

    @Test
    void aDrawFolderThatCannotBeMadeFailsBeforeAnyLine(@TempDir Path dir) throws Exception {
        Path manifest = writeManifest(dir, List.of("a", "b"));
        Path output = dir.resolve("results.jsonl");
        Path notAFolder = Files.writeString(dir.resolve("file"), "x").resolve("drawn");
        CliRunner.Result r = CliRunner.run("predict", "--weights", CliRunner.tiny("checkpoint.pth").toString(),
                "--model-config", CliRunner.tiny("model.json").toString(), "--bpe", bpe().toString(), "--manifest",
                manifest.toString(), "--out", output.toString(), "--draw", notAFolder.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains(notAFolder + ": cannot create the folder").doesNotContain("\tat ");
        assertThat(output).doesNotExist();
    }

    @Test
    void theCommandWritesTheOutputFileAndExitsZero(@TempDir Path dir) throws Exception {
        Path manifest = writeManifest(dir, List.of("a", "b"));
        Path output = dir.resolve("results.jsonl");
        CliRunner.Result r = CliRunner.run("predict", "--weights", CliRunner.tiny("checkpoint.pth").toString(),
                "--model-config", CliRunner.tiny("model.json").toString(), "--bpe", bpe().toString(), "--manifest",
                manifest.toString(), "--output", output.toString(), "--draw", dir.resolve("drawn").toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("11 lines: 5 answered").contains("6 with an error").contains("results.jsonl");
        List<String> lines = Files.readAllLines(output);
        assertThat(lines).hasSize(11);
        assertThat(JSON.readTree(lines.get(0)).get("results").get(0).get("box_xyxy")).hasSize(4);
        assertThat(JSON.readTree(lines.get(10)).get("results")).hasSize(2);
        assertThat(dir.resolve("drawn/sample_4.png")).isRegularFile();
        CliRunner.Result again = CliRunner.run("predict", "--weights", CliRunner.tiny("checkpoint.pth").toString(),
                "--model-config", CliRunner.tiny("model.json").toString(), "--bpe", bpe().toString(), "--manifest",
                manifest.toString(), "--out", output.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("results.jsonl exists").contains("--overwrite");
        assertThat(Files.readAllLines(output)).hasSize(11); // the earlier results are kept

        // without --output the lines go to stdout
        Path small = dir.resolve("small.jsonl");
        Files.writeString(small, line("image", CliRunner.tiny("images/sample_5.jpg").toString(), "query", "a car")
                + "\n" + line("image", "gone.png", "query", "a car") + "\n");
        CliRunner.Result toStdout = CliRunner.run("predict", "--weights", CliRunner.tiny("checkpoint.pth")
                .toString(), "--model-config", CliRunner.tiny("model.json").toString(), "--bpe", bpe().toString(),
                "--manifest", small.toString());
        assertThat(toStdout.exitCode()).isZero();
        String[] printed = toStdout.out().strip().split("\n");
        assertThat(printed).hasSize(2);
        assertThat(JSON.readTree(printed[0]).get("results").get(0).get("query").asText()).isEqualTo("a car");
        assertThat(JSON.readTree(printed[1]).get("error").asText()).contains("gone.png");
    }

    /** Lines on an image over 1.5x the training scale are answered in windows, exactly as predict does a scene. */
    @Test
    void largeImagesAreGroundedInWindowsAsOneSceneIs(@TempDir Path dir) throws Exception {
        Path checkpoint = PresenceCheckpoints.untrained(dir.resolve("model"), 64, 5);
        Path scene = dir.resolve("scene.png");
        Path small = dir.resolve("small.png");
        ImageIO.write(GeoTiffs.pattern(300, 200), "png", scene.toFile()); // 300 > 1.5 x 64: windows
        ImageIO.write(GeoTiffs.pattern(90, 70), "png", small.toFile()); // 90 < 96: whole
        Path manifest = dir.resolve("pairs.jsonl");
        Files.write(manifest, List.of(line("image", "scene.png", "query", "the red car"),
                line("image", "small.png", "query", "a ship"),
                "{\"image\": \"scene.png\", \"queries\": [\"a ship\", \"the white storage tank\"]}"));
        SceneGrounder.Options options = new SceneGrounder.Options(SceneGrounder.Tiling.AUTO, 0, 0.25, 3, 0.0, 0.5);
        StringWriter out = new StringWriter();
        try (Grounder grounder = new Grounder(ModelLoader.load(ModelLoader.Request.of(checkpoint)), 4)) {
            ManifestRunner.Summary summary = new ManifestRunner(grounder, manifest, dir.resolve("drawn"), options)
                    .run(out, ProgressListener.NONE);
            assertThat(summary).isEqualTo(new ManifestRunner.Summary(3, 0, 2, 4));
            String[] lines = out.toString().split("\n");
            SceneGrounder scenes = new SceneGrounder(grounder);
            SceneGrounder.SceneResult direct = scenes.ground(scene, List.of("the red car", "a ship",
                    "the white storage tank"), options, SceneGrounder.WindowListener.NONE);
            assertThat(direct.tiled()).isTrue();
            assertThat(direct.windows()).hasSize(scenes.windows(300, 200, options).size()).hasSizeGreaterThan(4);
            JsonNode first = JSON.readTree(lines[0]).get("results");
            JsonNode third = JSON.readTree(lines[2]).get("results");
            assertThat(first).hasSize(1);
            assertThat(third).hasSize(2);
            assertThat(first.get(0)).isEqualTo(ResultJson.toJson(direct.answers().get(0)));
            assertThat(third.get(0)).isEqualTo(ResultJson.toJson(direct.answers().get(1)));
            assertThat(third.get(1)).isEqualTo(ResultJson.toJson(direct.answers().get(2)));
            JsonNode boxes = first.get(0).get("boxes");
            assertThat(boxes.size()).isBetween(1, 3);
            for (int i = 1; i < boxes.size(); i++) {
                assertThat(boxes.get(i).get("score").asDouble()).isLessThanOrEqualTo(boxes.get(i - 1).get("score")
                        .asDouble());
            }
            List<GroundingResult> whole = grounder.ground(Images.read(small), List.of("a ship"));
            JsonNode smallResult = JSON.readTree(lines[1]).get("results").get(0);
            assertThat(smallResult.get("boxes")).hasSize(1);
            for (int k = 0; k < 4; k++) {
                assertThat(smallResult.get("box_xyxy").get(k).asDouble()).isCloseTo(whole.get(0).boxXyxy()[k],
                        within(1e-3));
            }
        }
        var overview = ImageIO.read(dir.resolve("drawn/scene.png").toFile());
        assertThat(overview.getWidth()).isEqualTo(300);
        assertThat(overview.getHeight()).isEqualTo(200);
    }

    @Test
    void modesDoNotMix(@TempDir Path dir) throws Exception {
        Path manifest = writeManifest(dir, List.of("a"));
        String[] model = {"--weights", CliRunner.tiny("checkpoint.pth").toString(), "--model-config",
                CliRunner.tiny("model.json").toString(), "--bpe", bpe().toString()};
        CliRunner.Result both = CliRunner.run(concat(new String[] {"predict"}, model, new String[] {"--manifest",
                manifest.toString(), "--image", CliRunner.tiny("images/sample_4.png").toString()}));
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("leave out --image");

        CliRunner.Result outputAlone = CliRunner.run(concat(new String[] {"predict"}, model, new String[] {
            "--image", CliRunner.tiny("images/sample_4.png").toString(), "--query", "x", "--output", "o.jsonl"}));
        assertThat(outputAlone.exitCode()).isEqualTo(2);
        assertThat(outputAlone.err()).contains("go with --manifest");

        CliRunner.Result neither = CliRunner.run(concat(new String[] {"predict"}, model));
        assertThat(neither.exitCode()).isEqualTo(2);
        assertThat(neither.err()).contains("--manifest");

        CliRunner.Result missing = CliRunner.run(concat(new String[] {"predict"}, model, new String[] {
            "--manifest", dir.resolve("nope.jsonl").toString()}));
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.jsonl");
    }

    private static String[] concat(String[]... parts) {
        List<String> all = new ArrayList<>();
        for (String[] p : parts) {
            all.addAll(List.of(p));
        }
        return all.toArray(String[]::new);
    }
}
