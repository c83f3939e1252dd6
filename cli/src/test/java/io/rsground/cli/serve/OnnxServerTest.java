package io.rsground.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.rsground.geo.GeoTiffs;
import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.ModelLoader;
import io.rsground.infer.SceneGrounder;
import io.rsground.infer.onnx.OnnxExporter;
import io.rsground.infer.onnx.OnnxGrounder;
import io.rsground.testing.Fixtures;
import io.rsground.testing.PresenceCheckpoints;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server over the ONNX Runtime engine answers what the DJL engine answers: images at once, scenes as jobs. */
class OnnxServerTest {
    private static GroundingEngine onnx(ModelLoader.Request request) throws Exception {
        return OnnxGrounder.of(ModelLoader.load(request), OnnxExporter.Precision.FLOAT32, 2);
    }

    @Test
    void imagesAreAnsweredWithDjlsBoxesAndTheModelSaysItsEngine() throws Exception {
        ModelLoader.Request fixture = new ModelLoader.Request(Fixtures.tiny("checkpoint.pth"),
                Fixtures.tiny("model.json"), null, TestModel.bpe(), true);
        Path image = TestModel.image("sample_1.png");
        List<String> queries = List.of("the white stadium", "a ship at the pier");
        try (Grounder djl = TestModel.fresh(0); GroundingEngine engine = onnx(fixture);
                GroundingServer server = new GroundingServer(engine, TestModel.settings(1, 2, 25L << 20, 5_000_000,
                        8))) {
            server.start();
            URI base = server.baseUri();
            Http.Reply reply = new Http.Form().image(image).queries(queries.toArray(String[]::new)).post(base);
            assertThat(reply.status()).as(reply.text()).isEqualTo(200);
            List<GroundingResult> expected = djl.ground(Images.read(image), queries);
            JsonNode results = reply.json().get("results");
            assertThat(results).hasSize(2);
            for (int i = 0; i < 2; i++) {
                for (int k = 0; k < 4; k++) {
                    assertThat(results.get(i).get("box_cxcywh_norm").get(k).asDouble())
                            .isCloseTo(expected.get(i).cxcywhNorm()[k], within(1e-4));
                    assertThat(results.get(i).get("box_xyxy").get(k).asDouble())
                            .isCloseTo(expected.get(i).boxXyxy()[k], within(1e-3));
                }
                assertThat(results.get(i).get("score").isNull()).isTrue();
            }
            JsonNode model = Http.get(base, GroundingServer.MODEL_PATH.substring(1)).json();
            assertThat(model.get("engine").asText()).isEqualTo("onnx");
            assertThat(model.get("precision").asText()).isEqualTo("float32");
            assertThat(model.get("parameters").asLong()).isEqualTo(djl.loaded().model().parameterCount());
            assertThat(model.get("tokenizer").get("vocab_size").asInt()).isEqualTo(djl.tokenizer().vocabSize());
        }
    }

    @Test
    void aSceneJobOnOnnxRuntimeHoldsDjlsRankedBoxes(@TempDir Path dir) throws Exception {
        Path checkpoint = PresenceCheckpoints.untrained(dir.resolve("model"), 64, 3);
        Path scene = dir.resolve("scene.png");
        ImageIO.write(GeoTiffs.pattern(320, 200), "png", scene.toFile());
        List<String> queries = List.of("the red car", "a ship");
        SceneGrounder.Options options = SceneGrounder.Options.parse("auto", 0.25, 3, 0);
        SceneGrounder.SceneResult expected;
        try (Grounder djl = new Grounder(ModelLoader.load(ModelLoader.Request.of(checkpoint)), 0)) {
            expected = new SceneGrounder(djl).ground(scene, queries, options, SceneGrounder.WindowListener.NONE);
        }
        try (GroundingEngine engine = onnx(ModelLoader.Request.of(checkpoint));
                GroundingServer server = new GroundingServer(engine, TestModel.settings(1, 2, 2L << 20, 1_000_000,
                        4))) {
            server.start();
            URI base = server.baseUri();
            Http.Reply reply = new Http.Form().image(scene).queries(queries.toArray(String[]::new))
                    .field("top_k", "3").post(base);
            assertThat(reply.status()).as(reply.text()).isEqualTo(202);
            JsonNode done = await(base, reply.json());
            assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("done");
            JsonNode results = done.get("result").get("results");
            assertThat(done.get("result").get("windows").asInt()).isEqualTo(expected.windows().size());
            for (int q = 0; q < 2; q++) {
                List<SceneGrounder.SceneBox> boxes = expected.answers().get(q).boxes();
                JsonNode got = results.get(q).get("boxes");
                assertThat(got).as("query %d", q).hasSize(boxes.size());
                for (int i = 0; i < boxes.size(); i++) {
                    assertThat(got.get(i).get("score").asDouble()).isCloseTo(boxes.get(i).score(), within(1e-4));
                    double[] xyxy = boxes.get(i).box().toXyxy();
                    for (int k = 0; k < 4; k++) {
                        // 1e-4 of a 64 px window's square
                        assertThat(got.get(i).get("box_xyxy").get(k).asDouble()).isCloseTo(xyxy[k], within(1e-2));
                    }
                }
            }
        }
    }

    private static JsonNode await(URI base, JsonNode accepted) throws Exception {
        for (int i = 0; i < 600; i++) {
            JsonNode status = Http.get(base, accepted.get("status_url").asText().substring(1)).json();
            String s = status.get("status").asText();
            if (s.equals("done") || s.equals("failed")) {
                return status;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the job did not finish within a minute");
    }
}
