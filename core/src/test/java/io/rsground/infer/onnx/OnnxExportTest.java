package io.rsground.infer.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.data.Batch;
import io.rsground.image.EvalTransform;
import io.rsground.image.Preprocessed;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import io.rsground.infer.Predictions;
import io.rsground.infer.TokenBatch;
import io.rsground.model.ClipVgModel;
import io.rsground.model.HostArrays;
import io.rsground.testing.Fixtures;
import io.rsground.testing.Tensors;
import io.rsground.text.TokenRows;
import io.rsground.text.Tokenizer;
import io.rsground.text.TokenizerSpec;
import io.rsground.text.Tokenizers;
import io.rsground.text.WordTokenizer;
import io.rsground.util.TensorScope;
import io.rsground.weights.WeightNaming;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exported graph run in ONNX Runtime against two independent truths: the reference's golden boxes of the
 * fixture, and the DJL model fed the same inputs (at other batch sizes and token lengths, and for the parts the
 * fixture does not have: GELU, the presence head, the convolutional stem).
 */
class OnnxExportTest {
    private static final double TOLERANCE = 1e-4;
    private static NDManager manager;
    private static Map<String, NDArray> expected;
    private static LoadedModel fixture;
    private static Path dir;
    private static Path exported;

    @BeforeAll
    static void export(@TempDir Path tmp) throws Exception {
        manager = NDManager.newBaseManager();
        expected = Tensors.byName(manager, Fixtures.tiny("expected.safetensors"));
        fixture = ModelLoader.load(new ModelLoader.Request(Fixtures.tiny("weights.safetensors"),
                Fixtures.tiny("model.json"), null, Fixtures.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz"),
                true));
        dir = tmp;
        exported = OnnxExporter.export(fixture, tmp.resolve("clipvg-tiny.onnx"), false);
    }

    @AfterAll
    static void close() {
        fixture.close();
        manager.close();
    }

    /** The fixture's inputs, rows {@code rows}, token rows cut to {@code length}. */
    private record Inputs(float[] images, byte[] pixelMasks, long[] tokens, long[] textMasks, int batch,
            int length) {
        static Inputs of(int[] rows, int length) {
            float[] images = expected.get("images").toFloatArray();
            int[] pixels = expected.get("pixel_masks").toType(DataType.INT32, false).toIntArray();
            long[] tokens = expected.get("tokens").toLongArray();
            int[] masks = expected.get("text_masks").toType(DataType.INT32, false).toIntArray();
            int image = 3 * 224 * 224;
            int plane = 224 * 224;
            Inputs in = new Inputs(new float[rows.length * image], new byte[rows.length * plane],
                    new long[rows.length * length], new long[rows.length * length], rows.length, length);
            for (int i = 0; i < rows.length; i++) {
                int r = rows[i];
                System.arraycopy(images, r * image, in.images, i * image, image);
                for (int j = 0; j < plane; j++) {
                    in.pixelMasks[i * plane + j] = (byte) pixels[r * plane + j];
                }
                for (int j = 0; j < length; j++) {
                    in.tokens[i * length + j] = tokens[r * 77 + j];
                    in.textMasks[i * length + j] = masks[r * 77 + j];
                }
            }
            return in;
        }
    }

    /** @return the DJL model's boxes for the same inputs, its patch mask from the fixture's visual_masks */
    private static float[] djlBoxes(int[] rows, int length) {
        try (TensorScope scope = TensorScope.inference(manager)) {
            NDManager m = scope.manager();
            NDArray index = m.create(java.util.Arrays.stream(rows).asLongStream().toArray());
            NDArray pixels = expected.get("images").get(index);
            NDArray patchMask = expected.get("visual_masks").get(index).toType(DataType.FLOAT32, false);
            NDArray tokens = expected.get("tokens").get(index).get(":, 0:" + length);
            return fixture.model().forward(null, pixels, patchMask, tokens, false).boxes().toFloatArray();
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void fixtureBoxesMatchTheReferenceAndDjl() throws Exception {
        int[] rows = {0, 1, 2, 3, 4, 5};
        Inputs in = Inputs.of(rows, 77);
        try (OnnxPredictor onnx = OnnxPredictor.open(exported, 2)) {
            Predictions.Predicted p = onnx.predict(in.images, in.pixelMasks, in.tokens, in.textMasks, 6, 77);
            double vsReference = maxDiff(p.boxes(), expected.get("pred_boxes").toFloatArray());
            double vsDjl = maxDiff(p.boxes(), djlBoxes(rows, 77));
            System.out.printf("onnx fixture B=6 L=77: max|diff| vs reference %.3g, vs DJL %.3g%n", vsReference,
                    vsDjl);
            assertThat(vsReference).isLessThanOrEqualTo(TOLERANCE);
            assertThat(vsDjl).isLessThanOrEqualTo(TOLERANCE);
            assertThat(p.scores()).isNull();
        }
    }

    @Test
    void batchAndTokenLengthAreDynamic() throws Exception {
        int[] rows = {5, 1};
        long[] tokens = expected.get("tokens").toLongArray();
        int used = 0;
        for (int r : rows) {
            used = Math.max(used, TokenRows.usedLength(java.util.Arrays.copyOfRange(tokens, r * 77, r * 77 + 77)));
        }
        assertThat(used).isLessThan(77);
        Inputs in = Inputs.of(rows, used);
        float[] reference = expected.get("pred_boxes").toFloatArray();
        float[] referenceRows = new float[8];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(reference, rows[i] * 4, referenceRows, i * 4, 4);
        }
        try (OnnxPredictor onnx = OnnxPredictor.open(exported, 2)) {
            float[] boxes = onnx.predict(in.images, in.pixelMasks, in.tokens, in.textMasks, 2, used).boxes();
            double vsReference = maxDiff(boxes, referenceRows);
            double vsDjl = maxDiff(boxes, djlBoxes(rows, used));
            System.out.printf("onnx fixture B=2 L=%d: max|diff| vs reference %.3g, vs DJL %.3g%n", used, vsReference,
                    vsDjl);
            assertThat(vsReference).isLessThanOrEqualTo(TOLERANCE);
            assertThat(vsDjl).isLessThanOrEqualTo(TOLERANCE);
            // and one row at a time gives the same boxes
            Inputs one = Inputs.of(new int[] {rows[1]}, used);
            float[] single = onnx.predict(one.images, one.pixelMasks, one.tokens, one.textMasks, 1, used).boxes();
            assertThat(maxDiff(single, java.util.Arrays.copyOfRange(boxes, 4, 8))).isLessThanOrEqualTo(1e-5);
        }
    }

    @Test
    void theEngineTakesTheBatchesOfTheDjlPath() throws Exception {
        Inputs in = Inputs.of(new int[] {0, 1, 2, 3, 4, 5}, 77);
        float[] patchMask = expected.get("visual_masks").toType(DataType.FLOAT32, false).toFloatArray();
        Batch batch = new Batch(6, 224, in.images, in.pixelMasks, patchMask, in.tokens, 77, new float[24],
                new int[6]);
        try (OnnxPredictor onnx = OnnxPredictor.open(exported, 2)) {
            float[] viaOnnx = onnx.predict(batch).boxes();
            float[] viaDjl = Predictions.predict(fixture.model(), manager, batch).boxes();
            assertThat(maxDiff(viaOnnx, viaDjl)).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    @Test
    void metadataAndTokenizerTravelWithTheModel() throws Exception {
        try (OnnxPredictor onnx = OnnxPredictor.open(exported, 1)) {
            Map<String, String> meta = onnx.metadata();
            assertThat(onnx.config()).isEqualTo(fixture.model().config());
            assertThat(meta.get(OnnxExporter.META_MODEL_CONFIG)).isEqualTo(ModelConfigs.toJson(
                    fixture.model().config()));
            assertThat(meta).containsEntry(OnnxExporter.META_TOKENIZER_KIND, TokenizerSpec.CLIP_BPE)
                    .containsEntry(OnnxExporter.META_IMAGE_SIZE, "224")
                    .containsEntry(OnnxExporter.META_MAX_QUERY_LEN, "77")
                    .containsEntry(OnnxExporter.META_TOKENIZER_DIR, "clipvg-tiny-tokenizer");
            assertThat(onnx.hasScores()).isFalse();
        }
        Path tokDir = dir.resolve("clipvg-tiny-tokenizer");
        assertThat(tokDir.resolve("bpe_simple_vocab_16e6.txt.gz")).isRegularFile();
        Tokenizer reloaded = Tokenizers.fromSpec(TokenizerSpec.read(tokDir.resolve("tokenizer.json")), tokDir);
        String query = "the white storage tank at the lower left";
        assertThat(reloaded.encode(query, 77)).containsExactly(fixture.tokenizer().encode(query, 77));
    }

    @Test
    void anExistingFileIsNotReplacedUnlessAsked() throws Exception {
        Path target = dir.resolve("again.onnx");
        Files.writeString(target, "not a model");
        assertThatThrownBy(() -> OnnxExporter.export(fixture, target, false))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("again.onnx");
        assertThat(Files.readString(target)).isEqualTo("not a model");
        assertThat(dir.resolve("again-tokenizer")).doesNotExist();
        OnnxExporter.export(fixture, target, true);
        assertThat(Files.size(target)).isGreaterThan(1_000_000);
        assertThat(dir.resolve("again-tokenizer/tokenizer.json")).isRegularFile();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void presenceHeadGeluAndConvStemMatchDjl(boolean convStem, @TempDir Path tmp) throws Exception {
        List<String> queries = List.of("the red car at the left", "a large white storage tank",
                "the small ship next to the long harbour on the right side");
        WordTokenizer tokenizer = WordTokenizer.build(queries, 1);
        ModelConfig config = ModelConfigs.preset("tiny").withVocabSize(tokenizer.vocabSize()).withPresenceHead(true)
                .withMaxQueryLen(24);
        if (convStem) {
            config = config.withVision(config.vision().withConvStem(List.of(8, 16, 16, 32)));
        }
        assertThat(config.quickGelu()).isFalse();
        Engine.getInstance().setRandomSeed(7);
        NDManager owner = NDManager.newBaseManager();
        ClipVgModel model = new ClipVgModel(config);
        model.initializeParameters(owner);
        try (LoadedModel loaded = new LoadedModel(model, tokenizer, owner, "random", WeightNaming.CLIP_VG, "tiny",
                0)) {
            Path file = OnnxExporter.export(loaded, tmp.resolve("tiny.onnx"), false);
            int s = config.vision().imageSize();
            int p = config.vision().numPatches();
            Pictures pictures = Pictures.of(config.vision().imageSize(), config.vision().patchSize());
            float[] images = pictures.images();
            TokenBatch tokens = TokenBatch.of(tokenizer, queries, config.maxQueryLen());
            long[] textMasks = new long[tokens.ids().length];
            for (int i = 0; i < textMasks.length; i++) {
                textMasks[i] = tokens.ids()[i] > 0 ? 1 : 0;
            }
            Predictions.Predicted djl;
            try (TensorScope scope = TensorScope.inference(owner)) {
                NDArray pixels = HostArrays.create(scope.manager(), images, new Shape(3, 3, s, s));
                NDArray visual = model.encodeImage(null, pixels, false);
                djl = Predictions.boxes(model, scope.manager(), visual, pictures.patchMask(), p, tokens.ids(), 3,
                        tokens.length());
            }
            try (OnnxPredictor onnx = OnnxPredictor.open(file, 2)) {
                assertThat(onnx.hasScores()).isTrue();
                Predictions.Predicted got = onnx.predict(images, pictures.pixelMasks(), tokens.ids(), textMasks, 3,
                        tokens.length());
                double boxes = maxDiff(got.boxes(), djl.boxes());
                double scores = maxDiff(got.scores(), djl.scores());
                System.out.printf("onnx tiny (GELU, presence head%s) B=3 L=%d: max|diff| vs DJL boxes %.3g scores "
                        + "%.3g%n", convStem ? ", conv stem" : "", tokens.length(), boxes, scores);
                assertThat(boxes).isLessThanOrEqualTo(TOLERANCE);
                assertThat(scores).isLessThanOrEqualTo(TOLERANCE);
                for (float score : got.scores()) {
                    assertThat(score).isBetween(0f, 1f);
                }
            }
        }
    }

    /**
     * Three pictures of other aspect ratios, preprocessed.
     *
     * @param images [3, 3, S, S]
     * @param pixelMasks [3, S, S], 1 on the padding
     * @param patchMask [3, P] as the Java transform computes it, 1 on padded patches
     */
    private record Pictures(float[] images, byte[] pixelMasks, float[] patchMask) {
        static Pictures of(int s, int patch) {
            Random random = new Random(3);
            int[][] sizes = {{200, 100}, {90, 160}, {128, 128}};
            int p = (s / patch) * (s / patch);
            Pictures out = new Pictures(new float[3 * 3 * s * s], new byte[3 * s * s], new float[3 * p]);
            for (int i = 0; i < 3; i++) {
                Preprocessed pre = new EvalTransform(s).apply(picture(sizes[i][0], sizes[i][1], random));
                System.arraycopy(pre.pixels(), 0, out.images, i * 3 * s * s, 3 * s * s);
                System.arraycopy(pre.pixelMask(), 0, out.pixelMasks, i * s * s, s * s);
                boolean[] patches = pre.patchMask(patch);
                for (int j = 0; j < p; j++) {
                    out.patchMask[i * p + j] = patches[j] ? 1f : 0f;
                }
            }
            return out;
        }
    }

    /** A picture with random rectangles, so that patches differ. */
    private static BufferedImage picture(int width, int height, Random random) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        for (int i = 0; i < 12; i++) {
            g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
            g.fillRect(random.nextInt(width), random.nextInt(height), 1 + random.nextInt(width / 2),
                    1 + random.nextInt(height / 2));
        }
        g.dispose();
        return image;
    }
}
