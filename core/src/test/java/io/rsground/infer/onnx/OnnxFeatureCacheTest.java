package io.rsground.infer.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.data.Batch;
import io.rsground.image.Images;
import io.rsground.image.Preprocessed;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.Predictions;
import io.rsground.infer.TokenBatch;
import io.rsground.testing.Fixtures;
import io.rsground.testing.Tensors;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ONNX engine's feature cache: the model cut after the image tower, with the tower's output kept per image,
 * against the whole exported graph with nothing kept (float32 and int8), and its hit counts as the DJL grounder's.
 */
class OnnxFeatureCacheTest {



    /** @return a batch of two rows, each image with its query, prepared as evaluation prepares them */
    private static Batch twoImages(OnnxGrounder engine, BufferedImage first, BufferedImage second,
            List<String> queries) {
        Preprocessed[] pre = {engine.transform().apply(first), engine.transform().apply(second)};
        int s = pre[0].size();
        float[] pixels = new float[2 * 3 * s * s];
        byte[] masks = new byte[2 * s * s];
        for (int i = 0; i < 2; i++) {
            System.arraycopy(pre[i].pixels(), 0, pixels, i * 3 * s * s, 3 * s * s);
            System.arraycopy(pre[i].pixelMask(), 0, masks, i * s * s, s * s);
        }
        TokenBatch tokens = TokenBatch.of(engine.tokenizer(), queries, engine.config().maxQueryLen());
        int patches = engine.config().vision().numPatches();
        return new Batch(2, s, pixels, masks, new float[2 * patches], tokens.ids(), tokens.length(), new float[8],
                new int[] {0, 1});
    }

    @ParameterizedTest
    @EnumSource(value = OnnxExporter.Precision.class, names = {"FLOAT32", "INT8_PER_CHANNEL"})
    void cachedFeaturesGiveTheWholeGraphsBoxes(OnnxExporter.Precision precision, @TempDir Path dir)
            throws Exception {
        JsonNode samples = new ObjectMapper().readTree(Fixtures.tiny("samples.json").toFile()).get("samples");
        List<String> queries = new ArrayList<>();
        for (JsonNode s : samples) {
            queries.add(s.get("query").asText());
        }
        Path file;
        try (LoadedModel loaded = Fixtures.tinyModel()) {
            file = OnnxExporter.export(loaded, dir.resolve("tiny.onnx"), false, precision);
        }
        BufferedImage image = Images.read(Fixtures.clipvgTiny().resolve("images/sample_1.png"));
        BufferedImage other = Images.read(Fixtures.clipvgTiny().resolve("images/sample_2.png"));
        double worst = 0;
        try (OnnxGrounder whole = OnnxGrounder.open(file, 1);
                OnnxGrounder cached = OnnxGrounder.of(Fixtures.tinyModel(), precision, 1, 4)) {
            for (int i = 0; i < queries.size(); i++) {
                // one query at a time: the first call runs the image tower, the others reuse its features. Both
                // engines get the same rows per call: int8's activation scales are taken over the call's batch
                GroundingResult single = cached.ground(image, queries.get(i));
                assertThat(single.query()).isEqualTo(queries.get(i));
                worst = Math.max(worst, Tensors.maxAbsDiff(single.cxcywhNorm(), whole.ground(image, queries.get(i))
                        .cxcywhNorm()));
            }
            GroundingResult elsewhere = cached.ground(other, queries.get(0));
            worst = Math.max(worst, Tensors.maxAbsDiff(elsewhere.cxcywhNorm(), whole.ground(other, queries.get(0))
                    .cxcywhNorm()));
            assertThat(cached.cacheStats()).containsExactly(queries.size() - 1L, 2L);
            assertThat(whole.cacheStats()).containsExactly(0L, 0L); // a file runs its whole graph, keeps nothing
            // evaluation's batches, one image per row, through both halves
            Batch batch = twoImages(whole, image, other, queries.subList(0, 2));
            Predictions.Predicted a = whole.predict(batch);
            Predictions.Predicted b = cached.predict(batch);
            for (int i = 0; i < a.boxes().length; i++) {
                worst = Math.max(worst, Math.abs(a.boxes()[i] - b.boxes()[i]));
            }
            assertThat(cached.cacheStats()).containsExactly(queries.size() - 1L, 2L); // batches bypass the cache
        }
        System.out.printf("%s: cached split engine vs whole graph: max|diff| %.3g normalised%n", precision, worst);
        assertThat(worst).isLessThanOrEqualTo(1e-6);
    }
}
