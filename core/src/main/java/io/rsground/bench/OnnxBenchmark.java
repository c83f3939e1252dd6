package io.rsground.bench;

import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.data.Batch;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.onnx.ExternalData;
import io.rsground.infer.onnx.OnnxExporter;
import io.rsground.infer.onnx.OnnxPredictor;
import io.rsground.model.ClipVgModel;
import io.rsground.text.WordTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The inference half of {@link ModelBenchmark} through ONNX Runtime: the same random model, exported in the
 * process, on the same batches, so that its figures sit beside DJL's. ONNX Runtime's intra-op threads are the
 * benchmark's thread count (the machine's cores unless {@code --threads} says otherwise).
 */
final class OnnxBenchmark {
    private OnnxBenchmark() {
    }

    /**
     * Puts {@code onnx_*} figures: export time and file size, resident memory the session adds, samples per second
     * at batch 1 and at the options' batch, the latter's share of the matrix-multiply rate, and each rate against
     * DJL's ({@code infer_b1_samples_per_s}, {@code infer_b8_samples_per_s}, already in {@code out}).
     *
     * @param model the random model DJL was measured with
     * @param manager the model's manager (not closed here)
     * @param forward FLOP per sample of the forward
     * @param matmul the matrix-multiply rate, GFLOP/s (PyTorch's, the machine's float32 ceiling)
     */
    static void measure(ClipVgModel model, NDManager manager, ModelBenchmark.Options options, double forward,
            double matmul, ObjectNode out, Consumer<String> log) throws IOException {
        out.put("onnx_engine", "onnxruntime " + OrtEnvironment.getEnvironment().getVersion());
        out.put("onnx_precision", options.engine().precisionName());
        out.put("onnx_threads", options.threads());
        double before = ModelBenchmark.rssAfterGcMb();
        log.accept("exporting to ONNX (" + options.engine().precisionName() + ")");
        // a view of the benchmark's model for the exporter, which reads its parameters and names its tokenizer
        LoadedModel view = new LoadedModel(model, WordTokenizer.build(List.of("bench"), 1), manager, "random", null,
                options.preset(), 0);
        Path dir = Files.createTempDirectory("rsground-bench-");
        Path file = dir.resolve("bench.onnx");
        Path side = ExternalData.sideFile(file);
        try {
            long t0 = System.nanoTime();
            ExternalData.write(OnnxExporter.build(view, OnnxExporter.tokenizerDirName(file),
                    options.engine().precision()), file, ExternalData.Mode.AUTO);
            out.put("onnx_export_s", (System.nanoTime() - t0) / 1e9);
            out.put("onnx_model_mb", (Files.size(file) + (Files.exists(side) ? Files.size(side) : 0)) / 1e6);
            try (OnnxPredictor predictor = OnnxPredictor.open(file, options.threads())) {
                deleteExport(dir); // the session holds the graph and its weights
                out.put("onnx_session_rss_mb", ModelBenchmark.rssAfterGcMb() - before);
                rates(predictor, options, forward, matmul, out, log);
                out.put("onnx_rss_growth_mb", ModelBenchmark.rssAfterGcMb() - before);
            }
        } finally {
            deleteExport(dir);
        }
    }

    private static void deleteExport(Path dir) throws IOException {
        for (Path p : new Path[] {ExternalData.sideFile(dir.resolve("bench.onnx")), dir.resolve("bench.onnx"), dir}) {
            Files.deleteIfExists(p);
        }
    }

    private static void rates(OnnxPredictor predictor, ModelBenchmark.Options options, double forward, double matmul,
            ObjectNode out, Consumer<String> log) {
        for (int b : new int[] {1, options.batch()}) {
            log.accept("ONNX Runtime inference, batch " + b);
            Batch batch = ModelBenchmark.randomBatch(options.config(), b, 7); // DJL's inputs
            predictor.predict(batch);
            long t0 = System.nanoTime();
            for (int i = 0; i < options.steps(); i++) {
                predictor.predict(batch);
            }
            double perSecond = b * options.steps() / ((System.nanoTime() - t0) / 1e9);
            String size = b == 1 ? "b1" : "b8"; // b8 names the batch measurement whatever its size, as DJL's
            out.put("onnx_infer_" + size + "_samples_per_s", perSecond);
            if (b != 1) {
                out.put("onnx_infer_b8_fraction_of_matmul", perSecond * forward / 1e9 / matmul);
            }
            double djl = out.path("infer_" + size + "_samples_per_s").asDouble(0);
            if (djl > 0) {
                out.put("onnx_vs_djl_" + size, perSecond / djl);
            }
        }
    }
}
