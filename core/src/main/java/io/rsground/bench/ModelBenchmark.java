package io.rsground.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.config.ModelConfig;
import io.rsground.data.Batch;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.Predictions;
import io.rsground.model.ClipVgModel;
import io.rsground.text.Tokenizer;
import io.rsground.text.WordTokenizer;
import io.rsground.train.Objectives;
import io.rsground.train.OptimizerKind;
import io.rsground.train.TrainablePolicy;
import io.rsground.train.Trainer;
import io.rsground.util.TensorScope;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Measures, in one process: the engine's float32 matrix-multiply rate (the ceiling), inference and training
 * samples per second on random weights and inputs, the analytic work per sample and the share of the ceiling each
 * mode reaches, ten queries on one image against ten separate calls, resident memory over the training steps
 * (a leak check) and peak resident memory. With ONNX Runtime asked for ({@link BenchEngine}), the same model is
 * exported and its inference and ten-query figures measured beside DJL's ({@link OnnxBenchmark}).
 */
public final class ModelBenchmark {
    /** A typical DIOR-RSVG query: 10 tokens with start and end (the text tower runs on the used length). */
    static final int QUERY_TOKENS = 12;

    /**
     * What to measure.
     *
     * @param preset the architecture's name (for the report)
     * @param config the architecture
     * @param batch samples per batch for the batch measurements
     * @param steps timed steps per measurement
     * @param leakSteps training steps of the leak check (resident memory after a quarter of them and at the end,
     *     each read after a full collection); 0 to skip
     * @param threads intra-op threads the engines use (reported; set before PyTorch starts, given to ONNX Runtime)
     * @param engine DJL alone (inference, training, ten queries), or ONNX Runtime beside it (inference and ten
     *     queries through both engines; training is DJL's only and left out)
     */
    public record Options(String preset, ModelConfig config, int batch, int steps, int leakSteps, int threads,
            BenchEngine engine) {
        /** Options measuring DJL alone. */
        public Options(String preset, ModelConfig config, int batch, int steps, int leakSteps, int threads) {
            this(preset, config, batch, steps, leakSteps, threads, BenchEngine.DJL);
        }
    }

    private ModelBenchmark() {
    }

    /**
     * @param options what to measure
     * @param log told what is being measured
     * @return one JSON object with the figures
     */
    public static ObjectNode run(Options options, Consumer<String> log) throws IOException {
        try (TensorScope off = TensorScope.gradientsOff()) {
            return measure(options, log);
        }
    }

    private static ObjectNode measure(Options options, Consumer<String> log) throws IOException {
        ObjectNode out = new ObjectMapper().createObjectNode();
        ModelConfig config = options.config();
        out.put("preset", options.preset());
        out.put("batch", options.batch());
        out.put("steps", options.steps());
        out.put("threads", options.threads());
        out.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());

        log.accept("matrix multiply rate");
        double matmul = matmulGflops(4096, Math.max(3, options.steps()));
        out.put("matmul_gflops", matmul);

        double forward = FlopCount.forward(config, Math.min(QUERY_TOKENS, config.maxQueryLen()),
                config.vision().numPatches());
        out.put("gflop_per_sample_forward", forward / 1e9);
        // training with the reference trainable set: the forward, plus a backward through the fusion part with
        // weight gradients (2x its forward) and through the image tower for the positional-embedding gradient
        // (input gradients only, 1x its forward); with everything trainable the backward is 2x the forward
        double fusion = FlopCount.fusion(config, Math.min(QUERY_TOKENS, config.maxQueryLen()),
                config.vision().numPatches());
        double vision = FlopCount.vision(config.vision());
        out.put("gflop_per_sample_train", (forward + 2 * fusion + vision) / 1e9);
        out.put("gflop_per_sample_train_full", 3 * forward / 1e9);

        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(1);
            ClipVgModel model = new ClipVgModel(config);
            model.initializeParameters(manager);
            out.put("parameters", model.parameterCount());
            measureInference(model, manager, options, forward, matmul, out, log);
            if (options.engine().onnx()) {
                OnnxBenchmark.measure(model, manager, options, forward, matmul, out, log);
            } else {
                measureTraining(model, manager, options, forward + 2 * fusion + vision, 3 * forward, matmul, out,
                        log);
            }
        }

        log.accept("10 queries on one image");
        multiQuery(config, options, false, out);
        if (options.engine().onnx()) {
            log.accept("10 queries on one image, ONNX Runtime");
            multiQuery(config, options, true, out);
        }
        out.put("peak_rss_mb", peakRssMb());
        return out;
    }

    /**
     * Puts inference samples per second at batch 1 and at the options' batch, and the latter's share of the
     * matrix-multiply rate.
     *
     * @param forward FLOP per sample of the forward
     * @param matmul the matrix-multiply rate, GFLOP/s
     */
    private static void measureInference(ClipVgModel model, NDManager manager, Options options, double forward,
            double matmul, ObjectNode out, Consumer<String> log) {
        for (int b : new int[] {1, options.batch()}) {
            log.accept("inference, batch " + b);
            Batch batch = randomBatch(options.config(), b, 7);
            Predictions.predict(model, manager, batch);
            long t0 = System.nanoTime();
            for (int i = 0; i < options.steps(); i++) {
                Predictions.predict(model, manager, batch);
            }
            double perSecond = b * options.steps() / ((System.nanoTime() - t0) / 1e9);
            // the field names say b8, the batch measurement's default; "batch" holds the size used
            if (b == 1) {
                out.put("infer_b1_samples_per_s", perSecond);
            } else {
                out.put("infer_b8_samples_per_s", perSecond);
                out.put("infer_b8_fraction_of_matmul", perSecond * forward / 1e9 / matmul);
            }
        }
    }

    /**
     * Puts training samples per second with the reference trainable set (plus the leak check) and with everything
     * trainable, and each one's share of the matrix-multiply rate.
     *
     * @param trainFlops FLOP per sample of a training step with the reference trainable set
     * @param trainFullFlops FLOP per sample of a training step with everything trainable
     * @param matmul the matrix-multiply rate, GFLOP/s
     */
    private static void measureTraining(ClipVgModel model, NDManager manager, Options options, double trainFlops,
            double trainFullFlops, double matmul, ObjectNode out, Consumer<String> log) {
        for (TrainablePolicy policy : new TrainablePolicy[] {TrainablePolicy.FREEZE_CLIP, TrainablePolicy.ALL}) {
            log.accept("training, batch " + options.batch() + ", " + policy);
            double perSecond = trainRate(model, manager, options.config(), policy, options, policy == TrainablePolicy
                    .FREEZE_CLIP ? out : null);
            String key = policy == TrainablePolicy.ALL ? "train_full_b8_samples_per_s" : "train_b8_samples_per_s";
            out.put(key, perSecond);
            double flops = policy == TrainablePolicy.ALL ? trainFullFlops : trainFlops;
            out.put(policy == TrainablePolicy.ALL ? "train_full_b8_fraction_of_matmul"
                    : "train_b8_fraction_of_matmul", perSecond * flops / 1e9 / matmul);
        }
    }

    private static double trainRate(ClipVgModel model, NDManager manager, ModelConfig config, TrainablePolicy policy,
            Options options, ObjectNode leakOut) {
        Batch batch = randomBatch(config, options.batch(), 11);
        try (Trainer trainer = new Trainer(model, manager, policy, OptimizerKind.ADAMW, 1e-6, -1, 1e-4, 0,
                Objectives.boxLoss(1, 1))) {
            trainer.step(batch, 1);
            long t0 = System.nanoTime();
            for (int i = 0; i < options.steps(); i++) {
                trainer.step(batch, 1);
            }
            double rate = options.batch() * options.steps() / ((System.nanoTime() - t0) / 1e9);
            if (leakOut != null && options.leakSteps() > 0) {
                int quarter = Math.max(1, options.leakSteps() / 4);
                double early = 0;
                for (int i = 1; i <= options.leakSteps(); i++) {
                    trainer.step(batch, 1);
                    if (i == quarter) {
                        early = rssAfterGcMb();
                    }
                }
                double late = rssAfterGcMb();
                // what the process keeps once the Java heap's garbage is collected: a leak survives a full GC,
                // the collector's slack (a heap touched on its way to its default maximum) does not
                leakOut.put("rss_mb_after_step_" + quarter, early);
                leakOut.put("rss_mb_after_step_" + options.leakSteps(), late);
                leakOut.put("rss_growth_fraction", (late - early) / early);
            }
            return rate;
        }
    }

    /**
     * Puts one query, ten queries in one call and ten calls of one query on an 800 px image, in ms, and the ratio
     * of ten to one; names prefixed {@code onnx_} for ONNX Runtime.
     */
    private static void multiQuery(ModelConfig config, Options options, boolean onnx, ObjectNode out)
            throws IOException {
        List<String> queries = List.of("the white storage tank on the left", "a large ship at the top",
                "the gray vehicle in the middle", "the airplane that is bigger than the others",
                "the tennis court next to the baseball field", "a small chimney on the lower right",
                "the windmill at the bottom", "the red vehicle near the white storage tank",
                "the ship farthest to the right", "the green basketball court");
        Tokenizer tokenizer = WordTokenizer.build(queries, 1);
        ModelConfig c = config.withVocabSize(Math.max(tokenizer.vocabSize(), config.text().vocabSize()));
        NDManager manager = NDManager.newBaseManager();
        ClipVgModel model = new ClipVgModel(c);
        model.initializeParameters(manager);
        BufferedImage image = new BufferedImage(800, 800, BufferedImage.TYPE_3BYTE_BGR);
        Random r = new Random(5);
        for (int y = 0; y < 800; y += 4) {
            for (int x = 0; x < 800; x += 4) {
                image.setRGB(x, y, r.nextInt(0xffffff));
            }
        }
        String prefix = onnx ? "onnx_" : "";
        try (GroundingEngine g = options.engine().open(new LoadedModel(model, tokenizer, manager, "random", null,
                "bench", 0), onnx, options.threads())) {
            g.ground(image, queries);
            int reps = 3;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                g.ground(image, queries.subList(0, 1));
            }
            double one = (System.nanoTime() - t0) / 1e9 / reps;
            t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                g.ground(image, queries);
            }
            double ten = (System.nanoTime() - t0) / 1e9 / reps;
            t0 = System.nanoTime();
            for (String q : queries) {
                g.ground(image, List.of(q));
            }
            double separate = (System.nanoTime() - t0) / 1e9;
            out.put(prefix + "one_query_ms", one * 1000);
            out.put(prefix + "ten_queries_ms", ten * 1000);
            out.put(prefix + "ten_separate_calls_ms", separate * 1000);
            out.put(prefix + "multi_query_10_vs_1", ten / one);
        }
    }

    /** @return a batch of random pixels, an unpadded image and {@link #QUERY_TOKENS}-token queries */
    static Batch randomBatch(ModelConfig c, int b, long seed) {
        Random r = new Random(seed);
        int s = c.vision().imageSize();
        float[] pixels = new float[b * 3 * s * s];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextGaussian();
        }
        int length = Math.min(QUERY_TOKENS, c.maxQueryLen());
        long[] tokens = new long[b * length];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 1 + r.nextInt(Math.min(1000, c.text().vocabSize() - 1));
        }
        float[] boxes = new float[b * 4];
        for (int i = 0; i < boxes.length; i++) {
            boxes[i] = 0.2f + 0.5f * r.nextFloat();
        }
        return new Batch(b, s, pixels, new byte[b * s * s], new float[b * c.vision().numPatches()], tokens, length,
                boxes, new int[b]);
    }

    /** @return GFLOP/s of n x n float32 matrix products through the engine */
    public static double matmulGflops(int n, int reps) {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray a = m.randomNormal(new Shape(n, n));
            a.matMul(a).close();
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                a.matMul(a).close();
            }
            return 2.0 * n * n * n * reps / ((System.nanoTime() - t0) / 1e9) / 1e9;
        }
    }

    /** @return the process's peak resident memory in MB (Linux), or -1 */
    public static double peakRssMb() {
        return statusKb("VmHWM:") / 1024.0;
    }

    /** @return resident memory in MB after a full collection (G1 returns unused heap to the system on one) */
    static double rssAfterGcMb() {
        System.gc();
        return currentRssMb();
    }

    /** @return the process's current resident memory in MB (Linux), or -1 */
    public static double currentRssMb() {
        return statusKb("VmRSS:") / 1024.0;
    }

    private static long statusKb(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1024;
        }
        return -1024;
    }

}
