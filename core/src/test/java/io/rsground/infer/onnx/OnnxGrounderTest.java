package io.rsground.infer.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.image.Images;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.LoadedModel;
import io.rsground.model.ClipVgModel;
import io.rsground.testing.Fixtures;
import io.rsground.testing.Tensors;
import io.rsground.text.WordTokenizer;
import io.rsground.weights.WeightNaming;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ONNX Runtime grounder against the DJL grounder and the reference's boxes, from image files to pixels. */
class OnnxGrounderTest {



    @Test
    void fixtureImagesGiveTheDjlAndReferenceBoxes(@TempDir Path dir) throws Exception {
        JsonNode samples = new ObjectMapper().readTree(Fixtures.tiny("samples.json").toFile()).get("samples");
        Path file;
        try (LoadedModel loaded = Fixtures.tinyModel()) {
            file = OnnxExporter.export(loaded, dir.resolve("tiny.onnx"), false);
        }
        double worstNorm = 0;
        double worstPixels = 0;
        double worstReferencePng = 0;
        try (OnnxGrounder onnx = OnnxGrounder.open(file, 2); Grounder djl = new Grounder(Fixtures.tinyModel(), 0)) {
            assertThat(onnx.hasPresenceHead()).isFalse();
            for (JsonNode s : samples) {
                BufferedImage image = Images.read(Fixtures.clipvgTiny().resolve(s.get("image").asText()));
                GroundingResult a = onnx.ground(image, s.get("query").asText());
                GroundingResult b = djl.ground(image, s.get("query").asText());
                assertThat(a.score()).isNull();
                worstNorm = Math.max(worstNorm, Tensors.maxAbsDiff(a.cxcywhNorm(), b.cxcywhNorm()));
                worstPixels = Math.max(worstPixels, Tensors.maxAbsDiff(a.boxXyxy(), b.boxXyxy()));
                double[] reference = new double[4];
                for (int i = 0; i < 4; i++) {
                    reference[i] = s.get("pred_box_xyxy").get(i).asDouble();
                }
                if (!s.get("image").asText().endsWith(".jpg")) {
                    worstReferencePng = Math.max(worstReferencePng, Tensors.maxAbsDiff(a.boxXyxy(), reference));
                }
            }
        }
        System.out.printf("onnx grounder vs DJL grounder: max|diff| %.3g normalised, %.3g px; vs reference %.3g px "
                + "(PNG)%n", worstNorm, worstPixels, worstReferencePng);
        assertThat(worstNorm).isLessThanOrEqualTo(1e-4);
        assertThat(worstReferencePng).isLessThanOrEqualTo(1.0);
    }

    @Test
    void manyQueriesOnOneImageEqualOneAtATime(@TempDir Path dir) throws Exception {
        List<String> queries = new ArrayList<>();
        for (JsonNode s : new ObjectMapper().readTree(Fixtures.tiny("samples.json").toFile()).get("samples")) {
            queries.add(s.get("query").asText());
        }
        BufferedImage image = Images.read(Fixtures.tiny("images/sample_1.png"));
        Path file;
        try (LoadedModel loaded = Fixtures.tinyModel()) {
            file = OnnxExporter.export(loaded, dir.resolve("tiny.onnx"), false);
        }
        try (OnnxGrounder onnx = OnnxGrounder.open(file, 2)) {
            List<GroundingResult> batched = onnx.ground(image, queries);
            for (int i = 0; i < queries.size(); i++) {
                GroundingResult single = onnx.ground(image, queries.get(i));
                assertThat(batched.get(i).query()).isEqualTo(queries.get(i));
                assertThat(Tensors.maxAbsDiff(batched.get(i).cxcywhNorm(), single.cxcywhNorm())).isLessThanOrEqualTo(1e-5);
            }
            assertThatThrownBy(() -> onnx.ground(image, List.of("the ship", " ")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("query 2 is empty");
        }
    }

    @Test
    void presenceScoresEqualDjlsAndAWordVocabularyNeedsNoFiles(@TempDir Path dir) throws Exception {
        List<String> queries = List.of("the red car at the left", "a large white storage tank");
        WordTokenizer tokenizer = WordTokenizer.build(queries, 1);
        ModelConfig config = ModelConfigs.preset("tiny").withVocabSize(tokenizer.vocabSize()).withPresenceHead(true);
        Engine.getInstance().setRandomSeed(11);
        NDManager owner = NDManager.newBaseManager();
        ClipVgModel model = new ClipVgModel(config);
        model.initializeParameters(owner);
        LoadedModel loaded = new LoadedModel(model, tokenizer, owner, "random", WeightNaming.CLIP_VG, "tiny", 0);
        Path file = OnnxExporter.export(loaded, dir.resolve("presence.onnx"), false);
        // the word vocabulary is in the metadata too: the model runs without its tokenizer folder
        Path tokDir = dir.resolve("presence-tokenizer");
        Files.delete(tokDir.resolve("tokenizer.json"));
        BufferedImage image = Images.read(Fixtures.tiny("images/sample_2.png"));
        try (OnnxGrounder onnx = OnnxGrounder.open(file, 2); Grounder djl = new Grounder(loaded, 0)) {
            assertThat(onnx.hasPresenceHead()).isTrue();
            List<GroundingResult> a = onnx.ground(image, queries);
            List<GroundingResult> b = djl.ground(image, queries);
            for (int i = 0; i < queries.size(); i++) {
                assertThat(a.get(i).score()).isCloseTo(b.get(i).score(), org.assertj.core.data.Offset.offset(1e-4));
                assertThat(Tensors.maxAbsDiff(a.get(i).cxcywhNorm(), b.get(i).cxcywhNorm())).isLessThanOrEqualTo(1e-4);
            }
        }
    }

    @Test
    void aMissingBpeVocabularyIsNamed(@TempDir Path dir) throws Exception {
        Path file;
        try (LoadedModel loaded = Fixtures.tinyModel()) {
            file = OnnxExporter.export(loaded, dir.resolve("tiny.onnx"), false);
        }
        Files.delete(dir.resolve("tiny-tokenizer/tokenizer.json"));
        assertThatThrownBy(() -> OnnxGrounder.open(file, 1)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("tiny-tokenizer/tokenizer.json");
    }
}
