package io.rsground.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.image.Images;
import io.rsground.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** End to end from the fixture's image files: decode, preprocess, tokenize, model, boxes back in pixels. */
class GrounderFixtureTest {

    static LoadedModel load(String weights) throws Exception {
        return ModelLoader.load(new ModelLoader.Request(Fixtures.tiny(weights), Fixtures.tiny("model.json"), null,
                Fixtures.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz"), true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"weights.safetensors", "checkpoint.pth"})
    void boxesMatchTheReferencePredictions(String weights) throws Exception {
        JsonNode samples = new ObjectMapper().readTree(Fixtures.tiny("samples.json").toFile()).get("samples");
        try (Grounder grounder = new Grounder(load(weights), 4)) {
            assertThat(grounder.hasPresenceHead()).isFalse();
            double worstPng = 0;
            double worstJpeg = 0;
            for (JsonNode s : samples) {
                Path image = Fixtures.clipvgTiny().resolve(s.get("image").asText());
                GroundingResult r = grounder.ground(Images.read(image), s.get("query").asText());
                double[] got = r.boxXyxy();
                double diff = 0;
                for (int i = 0; i < 4; i++) {
                    diff = Math.max(diff, Math.abs(got[i] - s.get("pred_box_xyxy").get(i).asDouble()));
                }
                if (image.toString().endsWith(".jpg")) {
                    worstJpeg = Math.max(worstJpeg, diff);
                } else {
                    worstPng = Math.max(worstPng, diff);
                }
                assertThat(r.imageWidth()).isEqualTo(s.get("width").asInt());
                assertThat(r.imageHeight()).isEqualTo(s.get("height").asInt());
                // CLIP-VG has no presence head: no score, and said so
                assertThat(r.score()).isNull();
                assertThat(r.hasScore()).isFalse();
            }
            System.out.printf("%s: end-to-end max box diff %.4f px (PNG), %.4f px (JPEG)%n", weights, worstPng,
                    worstJpeg);
            assertThat(worstPng).isLessThanOrEqualTo(1.0);
            assertThat(worstJpeg).isLessThanOrEqualTo(3.0);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4})
    void manyQueriesAtOnceEqualOneAtATime(int cacheSize) throws Exception {
        JsonNode samples = new ObjectMapper().readTree(Fixtures.tiny("samples.json").toFile()).get("samples");
        List<String> queries = new ArrayList<>();
        for (JsonNode s : samples) {
            queries.add(s.get("query").asText());
        }
        queries.add("a much longer query that runs on and on about the gray vehicle parked at the lower left "
                + "corner of the image next to the white storage tank");
        BufferedImage image = Images.read(Fixtures.clipvgTiny().resolve("images/sample_1.png"));
        try (Grounder grounder = new Grounder(load("weights.safetensors"), cacheSize)) {
            List<GroundingResult> batched = grounder.ground(image, queries);
            for (int i = 0; i < queries.size(); i++) {
                GroundingResult single = grounder.ground(image, queries.get(i));
                assertThat(batched.get(i).query()).isEqualTo(queries.get(i));
                for (int k = 0; k < 4; k++) {
                    assertThat(batched.get(i).cxcywhNorm()[k]).isCloseTo(single.cxcywhNorm()[k],
                            org.assertj.core.data.Offset.offset(1e-5));
                }
            }
            long[] stats = grounder.cacheStats();
            if (cacheSize > 0) {
                assertThat(stats[0]).isEqualTo(queries.size()); // every single call after the first hits
            } else {
                assertThat(stats[0]).isZero();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void blankQueriesAreRefused(String query) throws Exception {
        BufferedImage image = Images.read(Fixtures.clipvgTiny().resolve("images/sample_4.png"));
        try (Grounder grounder = new Grounder(load("weights.safetensors"), 0)) {
            assertThatThrownBy(() -> grounder.ground(image, List.of("the ship", query)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("query 2 is empty");
            assertThatThrownBy(() -> grounder.ground(image, List.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("no query given");
        }
    }
}
