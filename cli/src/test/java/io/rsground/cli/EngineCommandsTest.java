package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.data.synth.SceneOptions;
import io.rsground.testing.PresenceCheckpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --engine onnx} on predict (one image, a manifest), eval and an exported {@code .onnx} as {@code --weights}:
 * the answers are the djl engine's within float32 rounding (1e-4 of the padded square, 1e-3 px on the fixture's
 * 640 px images); the flags' wrong combinations are refused, naming the flag.
 */
class EngineCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @return the fixture model's flags, then the rest */
    private static String[] withFixture(String command, String... more) {
        List<String> all = new ArrayList<>(List.of(command, "--weights", CliRunner.tiny("checkpoint.pth").toString(),
                "--model-config", CliRunner.tiny("model.json").toString(), "--bpe",
                CliRunner.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz").toString()));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static List<JsonNode> jsonLines(String text) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.strip().split("\n")) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    /** Asserts two {@code predict --json} results (or lists of them) hold the same boxes. */
    private static void assertSameResult(JsonNode onnx, JsonNode djl) {
        assertThat(onnx.get("query")).isEqualTo(djl.get("query"));
        for (int k = 0; k < 4; k++) {
            assertThat(onnx.get("box_cxcywh_norm").get(k).asDouble())
                    .isCloseTo(djl.get("box_cxcywh_norm").get(k).asDouble(), within(1e-4));
            assertThat(onnx.get("box_xyxy").get(k).asDouble()).isCloseTo(djl.get("box_xyxy").get(k).asDouble(),
                    within(1e-3));
        }
    }

    @Test
    void predictOnOnnxRuntimeGivesDjlsBoxes() throws Exception {
        String image = CliRunner.tiny("images/sample_1.png").toString();
        String[] flags = {"--image", image, "--query", "the white stadium", "--query", "a ship at the pier", "--json"};
        CliRunner.Result djl = CliRunner.run(withFixture("predict", flags));
        CliRunner.Result onnx = CliRunner.run(withFixture("predict", concat(flags, "--engine", "onnx")));
        assertThat(djl.exitCode()).as(djl.err()).isZero();
        assertThat(onnx.exitCode()).as(onnx.err()).isZero();
        List<JsonNode> a = jsonLines(onnx.out());
        List<JsonNode> b = jsonLines(djl.out());
        assertThat(a).hasSize(2).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertSameResult(a.get(i), b.get(i));
        }
        // int8 linear maps: boxes move, by about 1e-3 of the square (docs/onnx.md), far less than 1e-2
        CliRunner.Result int8 = CliRunner.run(withFixture("predict", concat(flags, "--engine", "onnx", "--int8")));
        assertThat(int8.exitCode()).as(int8.err()).isZero();
        List<JsonNode> q = jsonLines(int8.out());
        double drift = 0;
        for (int i = 0; i < q.size(); i++) {
            for (int k = 0; k < 4; k++) {
                drift = Math.max(drift, Math.abs(q.get(i).get("box_cxcywh_norm").get(k).asDouble()
                        - b.get(i).get("box_cxcywh_norm").get(k).asDouble()));
            }
        }
        assertThat(drift).as("int8 against float32 DJL").isGreaterThan(0).isLessThan(1e-2);
    }

    @Test
    void aManifestOnOnnxRuntimeGetsDjlsBoxesLineByLine(@TempDir Path dir) throws Exception {
        Path manifest = dir.resolve("pairs.jsonl");
        Files.write(manifest, List.of(
                "{\"image\": \"" + CliRunner.tiny("images/sample_1.png") + "\", \"queries\": [\"the white stadium\", "
                        + "\"a ship\"]}",
                "{\"image\": \"missing.png\", \"query\": \"a ship\"}",
                "{\"image\": \"" + CliRunner.tiny("images/sample_5.jpg") + "\", \"query\": \"the car on the road\"}"));
        Path djlOut = dir.resolve("djl.jsonl");
        Path onnxOut = dir.resolve("onnx.jsonl");
        CliRunner.Result djl = CliRunner.run(withFixture("predict", "--manifest", manifest.toString(), "--out",
                djlOut.toString()));
        CliRunner.Result onnx = CliRunner.run(withFixture("predict", "--manifest", manifest.toString(), "--out",
                onnxOut.toString(), "--engine", "onnx"));
        assertThat(djl.exitCode()).as(djl.err()).isZero();
        assertThat(onnx.exitCode()).as(onnx.err()).isZero();
        List<JsonNode> a = jsonLines(Files.readString(onnxOut));
        List<JsonNode> b = jsonLines(Files.readString(djlOut));
        assertThat(a).hasSize(3);
        assertThat(a.get(1).get("error").asText()).contains("missing.png");
        for (int line : new int[] {0, 2}) {
            assertThat(a.get(line).get("results")).hasSameSizeAs(b.get(line).get("results")).isNotEmpty();
            for (int i = 0; i < a.get(line).get("results").size(); i++) {
                assertSameResult(a.get(line).get("results").get(i), b.get(line).get("results").get(i));
            }
        }
    }

    @Test
    void anExportedModelRunsAsWeightsOnOnnxRuntimeOnly(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model.onnx");
        CliRunner.Result export = CliRunner.run(withFixture("export", "--out", model.toString()));
        assertThat(export.exitCode()).as(export.err()).isZero();
        String[] flags = {"--image", CliRunner.tiny("images/sample_4.png").toString(), "--query", "the ship",
            "--json"};
        CliRunner.Result djl = CliRunner.run(withFixture("predict", flags));
        CliRunner.Result onnx = CliRunner.run(concat(new String[] {"predict", "--engine", "onnx", "--weights",
            model.toString()}, flags));
        assertThat(onnx.exitCode()).as(onnx.err()).isZero();
        assertSameResult(jsonLines(onnx.out()).get(0), jsonLines(djl.out()).get(0));
        CliRunner.Result oneThread = CliRunner.run(concat(new String[] {"predict", "--engine", "onnx",
            "--onnx-threads", "1", "--weights", model.toString()}, flags));
        assertThat(oneThread.exitCode()).as(oneThread.err()).isZero();
        assertSameResult(jsonLines(oneThread.out()).get(0), jsonLines(djl.out()).get(0));

        CliRunner.Result onDjl = CliRunner.run(concat(new String[] {"predict", "--weights", model.toString()}, flags));
        assertThat(onDjl.exitCode()).isEqualTo(2);
        assertThat(onDjl.err()).contains("model.onnx").contains("--engine onnx");
        CliRunner.Result int8 = CliRunner.run(concat(new String[] {"predict", "--engine", "onnx", "--int8",
            "--weights", model.toString()}, flags));
        assertThat(int8.exitCode()).isEqualTo(2);
        assertThat(int8.err()).contains("--int8").contains("exported already");
        CliRunner.Result preset = CliRunner.run(concat(new String[] {"predict", "--engine", "onnx", "--preset",
            "tiny", "--weights", model.toString()}, flags));
        assertThat(preset.exitCode()).isEqualTo(2);
        assertThat(preset.err()).contains("--preset");
    }

    @Test
    void int8WithTheDjlEngineAndUnknownEnginesAreRefused() {
        String image = CliRunner.tiny("images/sample_1.png").toString();
        for (String[] args : List.of(withFixture("predict", "--int8", "--image", image, "--query", "a ship"),
                withFixture("serve", "--int8", "--port", "0"),
                withFixture("eval", "--int8", "--data-root", image),
                new String[] {"bench", "--preset", "tiny", "--int8"})) {
            CliRunner.Result r = CliRunner.run(args);
            assertThat(r.exitCode()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(args[0]).contains("--int8").contains("--engine onnx");
        }
        CliRunner.Result threads = CliRunner.run(withFixture("predict", "--onnx-threads", "2", "--image", image,
                "--query", "a ship"));
        assertThat(threads.exitCode()).isEqualTo(2);
        assertThat(threads.err()).contains("--onnx-threads").contains("--engine onnx");
        CliRunner.Result negative = CliRunner.run(withFixture("predict", "--engine", "onnx", "--onnx-threads", "-1",
                "--image", image, "--query", "a ship"));
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.err()).contains("--onnx-threads must be at least 0");
        CliRunner.Result unknown = CliRunner.run(withFixture("predict", "--engine", "tensorrt", "--image", image,
                "--query", "a ship"));
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("--engine 'tensorrt'").contains("djl, onnx");
    }

    @Test
    void evalOnOnnxRuntimeGivesDjlsPerSampleBoxesAndScores(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        // few objects per scene, so that each image lacks some class: the absent-referent queries need one
        SceneGenerator.generate(data, 10, 96, 3, 1, new SceneOptions(2, 0.4), ProgressListener.NONE);
        Path checkpoint = PresenceCheckpoints.untrained(dir.resolve("model"), 96, 5);
        List<List<JsonNode>> runs = new ArrayList<>();
        for (String engine : List.of("djl", "onnx")) {
            Path predictions = dir.resolve(engine + ".jsonl");
            CliRunner.Result r = CliRunner.run("eval", "--weights", checkpoint.toString(), "--data-root",
                    data.toString(), "--split", "test", "--num-workers", "0", "--predictions", predictions.toString(),
                    "--engine", engine);
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(dir.resolve("presence.json")).as("the absent queries were asked too").isRegularFile();
            runs.add(jsonLines(Files.readString(predictions)));
        }
        List<JsonNode> djl = runs.get(0);
        List<JsonNode> onnx = runs.get(1);
        assertThat(onnx).hasSameSizeAs(djl).isNotEmpty();
        for (int i = 0; i < djl.size(); i++) {
            assertThat(onnx.get(i).get("index")).isEqualTo(djl.get(i).get("index"));
            for (int k = 0; k < 4; k++) {
                // 1e-4 of the padded square of a 96 px image
                assertThat(onnx.get(i).get("pred_xyxy").get(k).asDouble())
                        .isCloseTo(djl.get(i).get("pred_xyxy").get(k).asDouble(), within(96e-4));
            }
            assertThat(onnx.get(i).get("score").asDouble()).isCloseTo(djl.get(i).get("score").asDouble(),
                    within(1e-4));
        }
    }

    /**
     * {@code bench --engine onnx} measures ONNX Runtime on the model DJL was measured with: both engines' figures in
     * one object, the ratios consistent with the rates, training left out; {@code --int8} exports a smaller file
     * (27.9 against 32.9 MB: the tiny preset keeps CLIP's 49,408-word embedding in float32).
     */
    @Test
    void benchOnOnnxRuntimeReportsBothEnginesSideBySide() throws Exception {
        JsonNode f32 = bench();
        JsonNode int8 = bench("--int8");
        for (JsonNode b : List.of(f32, int8)) {
            for (String k : List.of("matmul_gflops", "infer_b1_samples_per_s", "infer_b8_samples_per_s",
                    "onnx_infer_b1_samples_per_s", "onnx_infer_b8_samples_per_s", "onnx_infer_b8_fraction_of_matmul",
                    "onnx_model_mb", "onnx_export_s", "onnx_one_query_ms", "onnx_multi_query_10_vs_1",
                    "multi_query_10_vs_1", "peak_rss_mb")) {
                assertThat(b.path(k).asDouble()).as(k).isPositive();
            }
            for (String size : List.of("b1", "b8")) {
                assertThat(b.get("onnx_vs_djl_" + size).asDouble()).isCloseTo(b.get("onnx_infer_" + size
                        + "_samples_per_s").asDouble() / b.get("infer_" + size + "_samples_per_s").asDouble(),
                        within(1e-9));
            }
            assertThat(b.get("onnx_threads").asInt()).as("one per core").isEqualTo(Runtime.getRuntime()
                    .availableProcessors());
            assertThat(b.has("train_b8_samples_per_s")).as("training is DJL's alone").isFalse();
        }
        assertThat(f32.get("onnx_precision").asText()).isEqualTo("float32");
        assertThat(int8.get("onnx_precision").asText()).isEqualTo("int8_per_channel");
        assertThat(int8.get("onnx_model_mb").asDouble()).isLessThan(f32.get("onnx_model_mb").asDouble());
    }

    private static JsonNode bench(String... more) throws Exception {
        CliRunner.Result r = CliRunner.run(concat(new String[] {"bench", "--preset", "tiny", "--batch", "2",
            "--steps", "1", "--json", "--engine", "onnx"}, more));
        assertThat(r.exitCode()).as(r.err()).isZero();
        return JSON.readTree(r.out());
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
