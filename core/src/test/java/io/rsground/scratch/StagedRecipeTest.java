package io.rsground.scratch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.box.Box;
import io.rsground.config.FusionConfig;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.config.VisionConfig;
import io.rsground.data.Batch;
import io.rsground.data.BatchLoader;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.ProgressListener;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.data.synth.SceneObjects;
import io.rsground.image.EvalTransform;
import io.rsground.image.Preprocessed;
import io.rsground.model.ClipVgModel;
import io.rsground.text.WordTokenizer;
import io.rsground.train.Criterion;
import io.rsground.train.GroundingLoss;
import io.rsground.train.Objectives;
import io.rsground.train.OptimizerKind;
import io.rsground.train.TrainablePolicy;
import io.rsground.train.Trainer;
import io.rsground.train.TrainingObjective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The from-scratch wing's parts: the dense targets of vision pre-training, the feature cache of a frozen image
 * tower, and the referent, attention, readout and match terms (a whole staged run: {@link StagedRunTest}).
 */
class StagedRecipeTest {
    @TempDir
    static Path shared;
    static Path data;
    static List<Sample> samples;
    static WordTokenizer tokenizer;

    @BeforeAll
    static void data() throws Exception {
        data = shared.resolve("data");
        SceneGenerator.generate(data, 6, 96, 5, 1, ProgressListener.NONE);
        samples = DiorRsvgDataset.open(data, null).allSamples().stream().filter(s -> !s.query().isEmpty()).toList();
        tokenizer = WordTokenizer.build(samples.stream().map(Sample::query).toList(), 1);
    }

    static ModelConfig tinyAt64() {
        ModelConfig tiny = ModelConfigs.preset("tiny").withVocabSize(tokenizer.vocabSize());
        VisionConfig v = tiny.vision();
        return tiny.withVision(v.withImageSize(64)).withFusion(new FusionConfig(tiny.fusion().hiddenDim(),
                tiny.fusion().heads(), tiny.fusion().ffnDim(), tiny.fusion().layers(), 0));
    }

    static List<Batch> batches(ModelConfig config, int batchSize, int count) {
        BatchLoader loader = BatchLoader.builder(samples, new EvalTransform(config.vision().imageSize()), tokenizer)
                .setBatchSize(batchSize).setPatchSize(config.vision().patchSize())
                .setMaxQueryLength(config.maxQueryLen()).optShuffle(true).optSeed(3).build();
        List<Batch> out = new ArrayList<>();
        for (int epoch = 0; out.size() < count; epoch++) {
            try (BatchLoader.Epoch e = loader.epoch(epoch)) {
                while (e.hasNext() && out.size() < count) {
                    out.add(e.next());
                }
            }
        }
        return out;
    }

    @Test
    void pretrainingTargetsByHand() {
        // a 20 x 10 image scaled by 0.4 onto an 8 x 8 canvas at (0, 2); patches of 4 -> 2 x 2 grid
        Preprocessed geometry = new Preprocessed(8, new float[3 * 64], new byte[64], 0.4, 0, 2, 8, 4, 20, 10);
        // a white ship at (0,0)-(10,5) -> canvas (0,2)-(4,4): half of patch 0's rows, all of itself inside patch 0
        // a vehicle at (10,5)-(20,10) -> canvas (4,4)-(8,6): inside patch 3, covering 8 of its 16 px
        List<SceneObjects.LabeledBox> objects = List.of(
                new SceneObjects.LabeledBox(new Box(0, 0, 10, 5), "ship", "white"),
                new SceneObjects.LabeledBox(new Box(10, 5, 20, 10), "vehicle", null));
        Map<String, Integer> labels = Map.of("ship", 0, "vehicle", 1, "white", 2);
        PretrainTargets.Targets t = PretrainTargets.targets(objects, geometry, labels, 4);
        // coverage = shared area / min(patch area, box area): both boxes (8 px) lie in one patch each -> 1
        assertThat(t.classes()).containsExactly(1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0);
        // both boxes are 4 x 2 on the 8-px canvas: size sqrt(8) / 8, weight 0.15 / that = 0.4243
        assertThat(t.boxWeights()).containsExactly(new float[] {0.4243f, 0, 0, 0.4243f}, within(1e-4f));
        // centres from the patch's own: the ship's (2, 3) from patch 0's (2, 2), the vehicle's (6, 5) from (6, 6)
        assertThat(Arrays.copyOfRange(t.boxes(), 0, 4)).containsExactly(0.5f, 0.5f + 1 / 8f, 4 / 8f, 2 / 8f);
        assertThat(Arrays.copyOfRange(t.boxes(), 12, 16)).containsExactly(0.5f, 0.5f - 1 / 8f, 4 / 8f, 2 / 8f);
    }

    @Test
    void mirroredTargetsAreTheTargetsOfTheMirroredScene() {
        // a 16 x 16 canvas (scale 1, no padding), patches of 4 -> 4 x 4 grid; objects straddle patches unevenly
        Preprocessed geometry = new Preprocessed(16, new float[3 * 256], new byte[256], 1, 0, 0, 16, 16, 16, 16);
        List<SceneObjects.LabeledBox> objects = List.of(
                new SceneObjects.LabeledBox(new Box(1, 2, 7, 5), "ship", "white"),
                new SceneObjects.LabeledBox(new Box(9.5, 10, 12, 15), "vehicle", null),
                new SceneObjects.LabeledBox(new Box(5, 9, 6.5, 10.5), "vehicle", "white"));
        Map<String, Integer> labels = Map.of("ship", 0, "vehicle", 1, "white", 2);
        PretrainTargets.Targets t = PretrainTargets.targets(objects, geometry, labels, 4);
        for (boolean h : new boolean[] {false, true}) {
            for (boolean v : new boolean[] {false, true}) {
                List<SceneObjects.LabeledBox> flipped = new ArrayList<>();
                for (SceneObjects.LabeledBox o : objects) {
                    Box b = o.box();
                    flipped.add(new SceneObjects.LabeledBox(new Box(h ? 16 - b.x2() : b.x1(),
                            v ? 16 - b.y2() : b.y1(), h ? 16 - b.x1() : b.x2(), v ? 16 - b.y1() : b.y2()),
                            o.className(), o.attribute()));
                }
                PretrainTargets.Targets direct = PretrainTargets.targets(flipped, geometry, labels, 4);
                PretrainTargets.Targets mirrored = t.mirrored(4, h, v);
                assertThat(mirrored.classes()).containsExactly(direct.classes(), within(1e-6f));
                assertThat(mirrored.boxWeights()).containsExactly(direct.boxWeights());
                assertThat(mirrored.boxes()).containsExactly(direct.boxes(), within(1e-6f));
            }
        }
        // not vacuous: the ship holds two patches' boxes, the larger vehicle two, the small one (inside a patch) one
        assertThat(IntStream.range(0, t.boxWeights().length).filter(p -> t.boxWeights()[p] > 0).count())
                .isEqualTo(5);
    }

    @Test
    void plainBoxErrorCountsOnlyPatchesThatHoldABoxAndIgnoresTheirWeights() {
        float[] predicted = {0.5f, 0.5f, 0.2f, 0.1f, 0.9f, 0.9f, 0.9f, 0.9f, 0.4f, 0.6f, 0.3f, 0.3f};
        float[] targets = {0.4f, 0.5f, 0.25f, 0.1f, 0f, 0f, 0f, 0f, 0.4f, 0.5f, 0.1f, 0.3f};
        float[] weights = {2f, 0f, 0.5f};
        double[] plain = PretrainTargets.plainBoxError(predicted, targets, weights);
        // |0.1| + 0 + |-0.05| + 0 for the first patch, 0 + |0.1| + |0.2| + 0 for the third; the second holds none
        assertThat(plain[0]).isCloseTo(0.45, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(plain[1]).isEqualTo(8);
    }

    @Test
    void aBoxWeighsInInverseProportionToItsObjectsSize() {
        // on a 100-px canvas a 15 x 15 object is the reference size (0.15 of the side)
        assertThat(PretrainTargets.boxWeight(15, 15, 100)).isEqualTo(1f, within(1e-6f));
        assertThat(PretrainTargets.boxWeight(30, 30, 100)).isEqualTo(0.5f, within(1e-6f));
        // the size is the square root of the area: 7.5 x 30 counts as 15 x 15
        assertThat(PretrainTargets.boxWeight(7.5, 30, 100)).isEqualTo(1f, within(1e-6f));
        assertThat(PretrainTargets.boxWeight(5, 5, 100)).isEqualTo(3f, within(1e-5f));
        // a box of a few pixels is held at 4, a degenerate one too
        assertThat(PretrainTargets.boxWeight(2, 2, 100)).isEqualTo(4f);
        assertThat(PretrainTargets.boxWeight(0, 3, 100)).isEqualTo(4f);
    }

    @Test
    void aMirroredImageMovesItsPixelsAndPatches() {
        // 8 x 8 canvas, patches of 4: pixel value = 100 * channel + 10 * y + x; patch 1 (top right) is padding
        float[] pixels = new float[3 * 64];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = 100 * (i / 64) + 10 * (i % 64 / 8) + i % 8;
        }
        float[] valid = {1, 0, 1, 1};
        PretrainTargets.Prepared p = new PretrainTargets.Prepared(pixels, valid,
                new PretrainTargets.Targets(new float[4], new float[16], new float[4]));
        PretrainTargets.Prepared both = p.mirrored(8, 4, true, true);
        // (channel 2, y 1, x 3) comes from (channel 2, y 6, x 4)
        assertThat(both.pixels()[2 * 64 + 8 + 3]).isEqualTo(264f);
        assertThat(both.valid()).containsExactly(1, 1, 0, 1);
        assertThat(p.mirrored(8, 4, true, false).valid()).containsExactly(0, 1, 1, 1);
        assertThat(p.mirrored(8, 4, false, false)).isSameAs(p);
        assertThat(both.mirrored(8, 4, true, true).pixels()).containsExactly(pixels);
    }

    @Test
    void cachedImageFeaturesGiveTheStepsTheTowerWouldGive() {
        ModelConfig config = tinyAt64();
        Map<Integer, String> imageOf = new HashMap<>();
        for (Sample s : samples) {
            imageOf.put(s.index(), s.imageFile().toString());
        }
        // 4 steps over the same 2 batches: steps 3 and 4 read only cached images
        List<Batch> two = batches(config, 6, 2);
        List<Batch> steps = List.of(two.get(0), two.get(1), two.get(0), two.get(1));
        double[][] losses = new double[2][steps.size()];
        Map<String, float[]> after = new HashMap<>();
        for (int r = 0; r < 2; r++) {
            final int run = r;
            Engine.getInstance().setRandomSeed(11);
            try (NDManager manager = NDManager.newBaseManager()) {
                ClipVgModel model = new ClipVgModel(config);
                model.initializeParameters(manager);
                try (Trainer trainer = new Trainer(model, manager, TrainablePolicy.FREEZE_VISION,
                        OptimizerKind.ADAMW, 1e-3, -1, 1e-4, 1.0, Objectives.boxLoss(1, 1))) {
                    if (run == 1) {
                        trainer.cacheVisualFeatures(imageOf::get, 1L << 30);
                    }
                    for (int i = 0; i < steps.size(); i++) {
                        losses[run][i] = trainer.step(steps.get(i), 1.0).loss();
                    }
                    if (run == 1) {
                        assertThat(trainer.cachedImages()).isBetween(2, 6);
                    }
                }
                model.namedParameters().forEach((name, p) -> {
                    float[] v = p.getArray().toFloatArray();
                    if (run == 0) {
                        after.put(name, v);
                    } else {
                        float[] ref = after.get(name);
                        double worst = 0;
                        for (int k = 0; k < v.length; k++) {
                            worst = Math.max(worst, Math.abs(v[k] - ref[k]));
                        }
                        // the tower runs on a different batch composition when cached: rounding differs a little
                        assertThat(worst).as(name).isLessThan(1e-5);
                        if (ClipVgModel.isVisionParameter(name)) {
                            assertThat(worst).as(name + " is frozen").isZero();
                        }
                    }
                });
            }
        }
        for (int i = 0; i < steps.size(); i++) {
            assertThat(losses[1][i]).as("step %d", i).isCloseTo(losses[0][i], within(1e-5));
        }
    }

    @Test
    void referentAndAttentionTermsFollowTheirDefinitions() {
        ModelConfig config = tinyAt64();
        Batch batch = batches(config, 5, 1).get(0);
        Engine.getInstance().setRandomSeed(4);
        try (NDManager manager = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ClipVgModel model = evaluationModel(config, manager);
            Criterion objective = objective(config, manager, 1, 1, 10, 3, 0, 0);
            int b = batch.size();
            int p = batch.patches();
            NDArray pixels = manager.create(batch.pixels(), new Shape(b, 3, 64, 64));
            NDArray patchMask = manager.create(batch.patchMask(), new Shape(b, p));
            NDArray tokens = manager.create(batch.tokens(), new Shape(b, batch.tokenLength()));
            ClipVgModel.Output out = model.forward(null, pixels, patchMask, tokens, false,
                    ClipVgModel.Detail.INTERMEDIATES);
            TrainingObjective.Loss loss = objective.compute(model, out, manager.create(batch.boxes(), new Shape(b, 4)),
                    batch);

            NDArray attention = out.intermediates().layers().regAttention();
            int heads = config.fusion().heads();
            long keys = attention.getShape().get(2);
            assertThat(attention.getShape()).isEqualTo(new Shape(b, heads, keys));
            float[] w = attention.toFloatArray();
            float[] cover = PatchTargets.referent(batch.boxes(), b, 64, config.vision().patchSize());
            long[] tok = batch.tokens();
            double massSum = 0;
            double logSum = 0;
            for (int i = 0; i < b; i++) {
                double mass = 0;
                for (int h = 0; h < heads; h++) {
                    double rowSum = 0;
                    for (int k = 0; k < keys; k++) {
                        double v = w[(int) ((i * heads + h) * keys + k)];
                        rowSum += v;
                        boolean textPad = k >= 1 && k < 1 + batch.tokenLength() && tok[i * batch.tokenLength() + k - 1]
                                == 0;
                        boolean patchPad = k >= keys - p && batch.patchMask()[(int) (i * p + k - (keys - p))] == 1;
                        if (textPad || patchPad) {
                            assertThat(v).as("masked key %d of sample %d", k, i).isLessThan(1e-6);
                        }
                        if (k >= keys - p) {
                            mass += v * cover[(int) (i * p + k - (keys - p))] / heads;
                        }
                    }
                    assertThat(rowSum).isCloseTo(1, within(1e-5));
                }
                massSum += mass;
                logSum += Math.log(mass + 1e-6);
            }
            assertThat(loss.terms().get("attention_mass")).isCloseTo(massSum / b, within(1e-5));
            assertThat(loss.terms().get("attention")).isCloseTo(-logSum / b, within(1e-4));
            assertThat(loss.terms().get("referent")).isPositive();
            double expectedTotal = loss.terms().get("l1") + loss.terms().get("giou") + 10 * loss.terms().get("referent")
                    + 3 * loss.terms().get("attention");
            assertThat((double) loss.total().getFloat()).isCloseTo(expectedTotal, within(1e-3));
        }
    }

    @Test
    void matchTermScoresPatchesByTheirCosineWithTheQuerysEndToken() {
        ModelConfig config = tinyAt64();
        Batch batch = batches(config, 5, 1).get(0);
        Engine.getInstance().setRandomSeed(8);
        try (NDManager manager = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ClipVgModel model = evaluationModel(config, manager);
            int b = batch.size();
            int p = batch.patches();
            int length = batch.tokenLength();
            ClipVgModel.Output out = forward(model, manager, batch);
            Criterion objective = objective(config, manager, 1, 1, 0, 0, 0, 2);
            assertThat(objective.parameters()).containsOnlyKeys("aux.match.log_scale");
            TrainingObjective.Loss loss = objective.compute(model, out, manager.create(batch.boxes(), new Shape(b, 4)),
                    batch);

            // the inputs are the projected patches and text, where the fusion encoder receives them
            int h = config.fusion().hiddenDim();
            long positions = out.intermediates().inputs().getShape().get(1);
            assertThat(out.intermediates().inputs().getShape()).isEqualTo(new Shape(b, 1 + length + 1 + p, h));
            float[] inputs = out.intermediates().inputs().toFloatArray();
            float[] visual = out.intermediates().visual().toFloatArray(); // [B, 1 + P, C]
            int c = (int) out.intermediates().visual().getShape().get(2);
            float[] w = model.namedParameters().get("ml_visu_proj.weight").getArray().toFloatArray(); // [H, C]
            float[] bias = model.namedParameters().get("ml_visu_proj.bias").getArray().toFloatArray();
            for (int i = 0; i < b; i += 2) {
                for (int k = 0; k < p; k += 7) {
                    for (int j = 0; j < h; j += 9) {
                        double sum = bias[j];
                        for (int q = 0; q < c; q++) {
                            sum += (double) w[j * c + q] * visual[(i * (1 + p) + 1 + k) * c + q];
                        }
                        assertThat(inputs[(int) ((i * positions + positions - p + k) * h + j)])
                                .isCloseTo((float) sum, within(1e-4f));
                    }
                }
            }

            // by hand: cosine of each unpadded patch with the last non-padding token, times 10, softmax, mass on the
            // referred object
            float[] cover = PatchTargets.referent(batch.boxes(), b, 64, config.vision().patchSize());
            long[] tokens = batch.tokens();
            double massSum = 0;
            double logSum = 0;
            for (int i = 0; i < b; i++) {
                int end = 0;
                for (int t = 0; t < length; t++) {
                    if (tokens[i * length + t] != 0) {
                        end = t;
                    }
                }
                double[] query = new double[h];
                for (int j = 0; j < h; j++) {
                    query[j] = inputs[(int) ((i * positions + 1 + end) * h + j)];
                }
                double[] scores = new double[p];
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < p; k++) {
                    double dot = 0;
                    double qq = 0;
                    double pp = 0;
                    for (int j = 0; j < h; j++) {
                        double v = inputs[(int) ((i * positions + positions - p + k) * h + j)];
                        dot += v * query[j];
                        qq += query[j] * query[j];
                        pp += v * v;
                    }
                    scores[k] = batch.patchMask()[i * p + k] == 1 ? Double.NEGATIVE_INFINITY
                            : 10 * dot / (Math.sqrt(qq) * Math.sqrt(pp));
                    max = Math.max(max, scores[k]);
                }
                double z = 0;
                double mass = 0;
                for (int k = 0; k < p; k++) {
                    double e = Math.exp(scores[k] - max);
                    z += e;
                    mass += e * cover[i * p + k];
                }
                mass /= z;
                massSum += mass;
                logSum += Math.log(mass + 1e-6);
            }
            assertThat(loss.terms().get("match_mass")).isCloseTo(massSum / b, within(1e-5));
            assertThat(loss.terms().get("match")).isCloseTo(-logSum / b, within(1e-4));
            assertThat((double) loss.total().getFloat()).isCloseTo(loss.terms().get("l1") + loss.terms().get("giou")
                    + 2 * loss.terms().get("match"), within(1e-3));
        }
    }


    @Test
    void attendedReadoutWithTheLayersOwnAttentionGivesTheModelsBoxes() {
        ModelConfig tiny = tinyAt64();
        // one head: then the layer's own attention is a single distribution the readout can be handed
        ModelConfig config = tiny.withFusion(new FusionConfig(tiny.fusion().hiddenDim(), 1, tiny.fusion().ffnDim(),
                tiny.fusion().layers(), 0));
        Batch batch = batches(config, 5, 1).get(0);
        Engine.getInstance().setRandomSeed(6);
        try (NDManager manager = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ClipVgModel model = evaluationModel(config, manager);
            int b = batch.size();
            ClipVgModel.Output out = forward(model, manager, batch);
            NDArray own = out.intermediates().layers().regAttention().squeeze(1); // [B, L]
            float[] expected = out.boxes().toFloatArray();
            float[] read = model.boxesAttending(null, out, own, false).toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                assertThat(read[i]).as("coordinate %d", i).isCloseTo(expected[i], within(1e-5f));
            }
            // somewhere else to look gives other boxes
            long keys = own.getShape().get(1);
            NDArray firstPatch = manager.zeros(new Shape(b, keys)).concat(manager.ones(new Shape(b, 1)), 1)
                    .get(":, 1:");
            float[] elsewhere = model.boxesAttending(null, out, firstPatch, false).toFloatArray();
            assertThat(elsewhere).isNotEqualTo(read);
        }
    }

    @Test
    void readoutTermIsTheBoxLossOfTheReadingFromTheReferredPatches() {
        ModelConfig config = tinyAt64();
        Batch batch = batches(config, 5, 1).get(0);
        int patchSize = config.vision().patchSize();
        Engine.getInstance().setRandomSeed(4);
        try (NDManager manager = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            ClipVgModel model = evaluationModel(config, manager);
            int b = batch.size();
            int p = batch.patches();
            ClipVgModel.Output out = forward(model, manager, batch);
            NDArray target = manager.create(batch.boxes(), new Shape(b, 4));
            GroundingLoss boxLoss = new GroundingLoss(2, 3);
            Criterion objective = objective(config, manager, 2, 3, 0, 0, 5, 0);
            TrainingObjective.Loss loss = objective.compute(model, out, target, batch);

            // by hand: attention spread over the patches in proportion to their coverage by the target box
            float[] cover = PatchTargets.referent(batch.boxes(), b, 64, patchSize);
            long keys = out.intermediates().layers().lastInput().getShape().get(1);
            float[] weights = new float[(int) (b * keys)];
            float[] lastPatch = new float[(int) (b * keys)];
            for (int i = 0; i < b; i++) {
                double sum = 0;
                for (int k = 0; k < p; k++) {
                    sum += cover[i * p + k];
                }
                assertThat(sum).as("sample %d covers some patch", i).isPositive();
                for (int k = 0; k < p; k++) {
                    weights[(int) (i * keys + keys - p + k)] = (float) (cover[i * p + k] / sum);
                }
                lastPatch[(int) (i * keys + keys - 1)] = 1;
            }
            NDArray read = model.boxesAttending(null, out, manager.create(weights, new Shape(b, keys)), false);
            GroundingLoss.Terms byHand = boxLoss.compute(read, target);
            assertThat(loss.terms().get("readout_l1")).isCloseTo(byHand.l1().getFloat(), within(1e-4));
            assertThat(loss.terms().get("readout_giou")).isCloseTo(byHand.giou().getFloat(), within(1e-4));
            double expectedTotal = 2 * loss.terms().get("l1") + 3 * loss.terms().get("giou")
                    + 5 * byHand.total().getFloat();
            assertThat((double) loss.total().getFloat()).isCloseTo(expectedTotal, within(1e-3));

            // K readings per sample at once give what K separate ones give
            float[] twice = new float[(int) (b * 2 * keys)];
            for (int i = 0; i < b; i++) {
                System.arraycopy(weights, (int) (i * keys), twice, (int) (2 * i * keys), (int) keys);
                System.arraycopy(lastPatch, (int) (i * keys), twice, (int) ((2 * i + 1) * keys), (int) keys);
            }
            float[] both = model.boxesAttending(null, out, manager.create(twice, new Shape(b, 2, keys)), false)
                    .toFloatArray();
            float[] one = read.toFloatArray();
            float[] other = model.boxesAttending(null, out, manager.create(lastPatch, new Shape(b, keys)), false)
                    .toFloatArray();
            for (int i = 0; i < b; i++) {
                for (int c = 0; c < 4; c++) {
                    assertThat(both[i * 8 + c]).isCloseTo(one[i * 4 + c], within(1e-5f));
                    assertThat(both[i * 8 + 4 + c]).isCloseTo(other[i * 4 + c], within(1e-5f));
                }
            }
        }
    }

    /** A model with freshly drawn parameters, gradients off on this thread (evaluation-mode checks). */
    private static ClipVgModel evaluationModel(ModelConfig config, NDManager manager) {
        ClipVgModel model = new ClipVgModel(config);
        model.initializeParameters(manager);
        JniUtils.setGradMode(false);
        return model;
    }

    /** The whole pass over a 64-px batch, in evaluation mode. */
    private static ClipVgModel.Output forward(ClipVgModel model, NDManager manager, Batch batch) {
        int b = batch.size();
        return model.forward(null, manager.create(batch.pixels(), new Shape(b, 3, 64, 64)),
                manager.create(batch.patchMask(), new Shape(b, batch.patches())),
                manager.create(batch.tokens(), new Shape(b, batch.tokenLength())), false,
                ClipVgModel.Detail.INTERMEDIATES);
    }

    /** The objective of the given term weights, its heads drawn under {@code manager}. */
    private static Criterion objective(ModelConfig config, NDManager manager, double l1, double giou,
            double referent, double attention, double readout, double match) {
        Map<String, Double> weights = new java.util.LinkedHashMap<>();
        weights.put("l1", l1);
        weights.put("giou", giou);
        weights.put("referent", referent);
        weights.put("attention", attention);
        weights.put("readout", readout);
        weights.put("match", match);
        try {
            Criterion c = Objectives.create(weights, new Objectives.Context(config, weights));
            c.initialize(manager);
            return c;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
