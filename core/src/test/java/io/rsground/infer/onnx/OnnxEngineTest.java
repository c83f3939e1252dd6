package io.rsground.infer.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.eval.Prediction;
import io.rsground.geo.GeoTiffs;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.ModelInfo;
import io.rsground.infer.ModelLoader;
import io.rsground.infer.SceneGrounder;
import io.rsground.testing.PresenceCheckpoints;
import io.rsground.testing.TrainedPresenceModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two engines behind {@link GroundingEngine} must agree: a scene grounded in windows by {@link SceneGrounder}
 * and a split evaluated by {@link Evaluator}, once through DJL's {@link Grounder} and once through
 * {@link OnnxGrounder#of} (the same checkpoint exported at start-up).
 */
class OnnxEngineTest {
    /** Tolerance of a float32 port, normalised to the padded square (as the fixture's). */
    private static final double NORM = 1e-4;

    @Test
    void aSceneInWindowsGetsDjlsRankedBoxes(@TempDir Path dir) throws Exception {
        Path checkpoint = PresenceCheckpoints.untrained(dir.resolve("model"), 64, 7);
        Path scene = dir.resolve("scene.png");
        ImageIO.write(GeoTiffs.pattern(300, 200), "png", scene.toFile()); // 300 > 1.5 x 64: windows
        List<String> queries = List.of("the white storage tank at the lower left", "a ship at the pier");
        SceneGrounder.Options options = new SceneGrounder.Options(SceneGrounder.Tiling.AUTO, 0, 0.25, 5, 0, 0.5);
        SceneGrounder.SceneResult djl;
        SceneGrounder.SceneResult onnx;
        try (GroundingEngine g = new Grounder(ModelLoader.load(ModelLoader.Request.of(checkpoint)), 0)) {
            djl = new SceneGrounder(g).ground(scene, queries, options, SceneGrounder.WindowListener.NONE);
        }
        try (GroundingEngine g = OnnxGrounder.of(ModelLoader.load(ModelLoader.Request.of(checkpoint)),
                OnnxExporter.Precision.FLOAT32, 2)) {
            assertThat(g.info().engine()).isEqualTo(ModelInfo.ONNX);
            assertThat(g.trainingScale()).as("the checkpoint's training scale, the window side").isEqualTo(64);
            assertThat(g.hasPresenceHead()).isTrue();
            onnx = new SceneGrounder(g).ground(scene, queries, options, SceneGrounder.WindowListener.NONE);
        }
        assertThat(onnx.tiled()).isTrue();
        assertThat(onnx.windows()).isEqualTo(djl.windows()).hasSizeGreaterThan(4);
        double worstPx = 0;
        double worstScore = 0;
        for (int q = 0; q < queries.size(); q++) {
            List<SceneGrounder.SceneBox> a = onnx.answers().get(q).boxes();
            List<SceneGrounder.SceneBox> b = djl.answers().get(q).boxes();
            assertThat(a).as("query %d: boxes kept", q).hasSameSizeAs(b).isNotEmpty();
            for (int i = 0; i < a.size(); i++) {
                // same rank: the same window's box, with the same score
                assertThat(a.get(i).window()).as("query %d rank %d: window", q, i + 1).isEqualTo(b.get(i).window());
                worstScore = Math.max(worstScore, Math.abs(a.get(i).score() - b.get(i).score()));
                double[] x = a.get(i).box().toXyxy();
                double[] y = b.get(i).box().toXyxy();
                for (int k = 0; k < 4; k++) {
                    worstPx = Math.max(worstPx, Math.abs(x[k] - y[k]));
                }
            }
        }
        System.out.printf(Locale.ROOT, "scene in %d windows, ONNX vs DJL: max|diff| %.3g px, scores %.3g%n",
                djl.windows().size(), worstPx, worstScore);
        assertThat(worstPx).as("px; a 64 px window maps 1e-4 of its square to 6.4e-3 px").isLessThanOrEqualTo(1e-2);
        assertThat(worstScore).isLessThanOrEqualTo(NORM);
    }

    @Test
    void evaluationThroughOnnxRuntimeGivesDjlsBoxesAndInt8DriftsLittle() throws Exception {
        TrainedPresenceModel t = TrainedPresenceModel.get();
        EvalReport djl;
        EvalReport onnx;
        EvalReport int8;
        try (GroundingEngine g = new Grounder(ModelLoader.load(ModelLoader.Request.of(t.checkpoint())), 0)) {
            djl = Evaluator.evaluate(g, t.samples(), "train", 16, 0, null);
        }
        try (GroundingEngine g = OnnxGrounder.of(ModelLoader.load(ModelLoader.Request.of(t.checkpoint())),
                OnnxExporter.Precision.FLOAT32, 2)) {
            onnx = Evaluator.evaluate(g, t.samples(), "train", 16, 0, null);
        }
        try (GroundingEngine g = OnnxGrounder.of(ModelLoader.load(ModelLoader.Request.of(t.checkpoint())),
                OnnxExporter.Precision.INT8_PER_CHANNEL, 2)) {
            assertThat(g.info().precision()).isEqualTo("int8_per_channel");
            int8 = Evaluator.evaluate(g, t.samples(), "train", 16, 0, null);
        }
        assertThat(onnx.predictions()).hasSameSizeAs(djl.predictions()).hasSize(t.samples().size());
        double[] float32 = drift(onnx, djl);
        double[] quantized = drift(int8, djl);
        System.out.printf(Locale.ROOT, "eval of %d samples, ONNX float32 vs DJL: boxes %.3g, scores %.3g; int8: "
                + "boxes %.3g, scores %.3g; Pr@0.5 %.4f / %.4f / %.4f, meanIoU %.4f / %.4f / %.4f (DJL / ONNX / "
                + "int8, normalised square)%n", djl.predictions().size(), float32[0], float32[1], quantized[0],
                quantized[1], djl.normalized().precisionAt(0.5), onnx.normalized().precisionAt(0.5),
                int8.normalized().precisionAt(0.5), djl.normalized().meanIou(), onnx.normalized().meanIou(),
                int8.normalized().meanIou());
        assertThat(float32[0]).isLessThanOrEqualTo(NORM);
        assertThat(float32[1]).isLessThanOrEqualTo(NORM);
        assertThat(onnx.normalized().meanIou()).isCloseTo(djl.normalized().meanIou(), within(NORM));
        // int8 moves boxes by about 1e-3 of the side (docs/onnx.md); ten times that would be a broken quantization
        assertThat(quantized[0]).isGreaterThan(0).isLessThanOrEqualTo(1e-2);
        assertThat(quantized[1]).isLessThanOrEqualTo(1e-2);
    }

    /** @return max |difference| of the samples' raw boxes (cx, cy, w, h normalised) and of their scores */
    private static double[] drift(EvalReport a, EvalReport b) {
        double boxes = 0;
        double scores = 0;
        for (int i = 0; i < a.predictions().size(); i++) {
            Prediction p = a.predictions().get(i);
            Prediction q = b.predictions().get(i);
            assertThat(p.index()).isEqualTo(q.index());
            for (int k = 0; k < 4; k++) {
                boxes = Math.max(boxes, Math.abs(p.predictedCxcywh()[k] - q.predictedCxcywh()[k]));
            }
            scores = Math.max(scores, Math.abs(p.score() - q.score()));
        }
        return new double[] {boxes, scores};
    }
}
