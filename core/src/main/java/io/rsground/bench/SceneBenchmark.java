package io.rsground.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.config.ModelConfig;
import io.rsground.geo.TiffWriters;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.SceneGrounder;
import io.rsground.model.ClipVgModel;
import io.rsground.text.WordTokenizer;
import io.rsground.util.TensorScope;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Measures tiled grounding of a whole scene: a synthetic tiled TIFF of the given side grounded in windows of the
 * model's training side (random weights with a presence head), with one and with ten queries. Reports windows per
 * second and seconds per megapixel, the time the scene's windows take to read alone, and peak resident memory.
 */
public final class SceneBenchmark {
    /** Ten DIOR-RSVG-like queries; the first alone is the one-query case. */
    static final List<String> QUERIES = List.of("the white storage tank on the left", "a large ship at the top",
            "the gray vehicle in the middle", "the airplane that is bigger than the others",
            "the tennis court next to the baseball field", "a small chimney on the lower right",
            "the windmill at the bottom", "the red vehicle near the white storage tank",
            "the ship farthest to the right", "the green basketball court");

    /**
     * What to measure.
     *
     * @param preset the architecture's name (for the report)
     * @param config the architecture; a presence head is added
     * @param sceneSide the synthetic scene's side in pixels
     * @param windowSide the training side the model claims, which is the window side
     * @param overlap the windows' overlap
     * @param threads intra-op threads the engine uses (reported; given to ONNX Runtime)
     * @param engine DJL, or ONNX Runtime with the model exported at start (then it alone grounds the scene)
     */
    public record Options(String preset, ModelConfig config, int sceneSide, int windowSide, double overlap,
            int threads, BenchEngine engine) {
        /** Options measuring DJL. */
        public Options(String preset, ModelConfig config, int sceneSide, int windowSide, double overlap,
                int threads) {
            this(preset, config, sceneSide, windowSide, overlap, threads, BenchEngine.DJL);
        }
    }

    private SceneBenchmark() {
    }

    /**
     * @param options what to measure
     * @param log told what is being measured
     * @return one JSON object with the figures
     */
    public static ObjectNode run(Options options, Consumer<String> log) throws IOException {
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("preset", options.preset());
        out.put("threads", options.threads());
        out.put("engine", options.engine().onnx() ? "onnxruntime " + ai.onnxruntime.OrtEnvironment.getEnvironment()
                .getVersion() + " " + options.engine().precisionName() : Engine.getInstance().getEngineName() + " "
                + Engine.getInstance().getVersion());
        Path dir = Files.createTempDirectory("rsground-scene-bench-");
        Path scene = dir.resolve("scene.tif");
        try (TensorScope off = TensorScope.gradientsOff()) {
            log.accept("writing a " + options.sceneSide() + " px tiled TIFF");
            TiffWriters.writeTiled(scene, texture(options.sceneSide()), 512);
            out.put("scene_px", options.sceneSide());
            out.put("scene_megapixels", options.sceneSide() * (double) options.sceneSide() / 1e6);
            measure(scene, options, out, log);
        } finally {
            Files.deleteIfExists(scene);
            Files.deleteIfExists(dir);
        }
        out.put("peak_rss_mb", ModelBenchmark.peakRssMb());
        return out;
    }

    private static void measure(Path scene, Options options, ObjectNode out, Consumer<String> log)
            throws IOException {
        WordTokenizer tokenizer = WordTokenizer.build(QUERIES, 1);
        ModelConfig config = options.config().withPresenceHead(true)
                .withVocabSize(Math.max(tokenizer.vocabSize(), options.config().text().vocabSize()));
        Engine.getInstance().setRandomSeed(1);
        NDManager manager = NDManager.newBaseManager();
        ClipVgModel model = new ClipVgModel(config);
        model.initializeParameters(manager);
        try (GroundingEngine grounder = options.engine().open(new LoadedModel(model, tokenizer, manager, "random",
                null, options.preset(), 0, options.windowSide()), options.engine().onnx(), options.threads())) {
            SceneGrounder scenes = new SceneGrounder(grounder);
            SceneGrounder.Options tiling = new SceneGrounder.Options(SceneGrounder.Tiling.ON, 0, options.overlap(),
                    5, 0, SceneGrounder.Options.DEFAULT.mergeIou());
            int windows = scenes.windows(options.sceneSide(), options.sceneSide(), tiling).size();
            out.put("window_px", options.windowSide());
            out.put("overlap", options.overlap());
            out.put("windows", windows);
            log.accept("warm-up window");
            grounder.ground(new BufferedImage(options.windowSide(), options.windowSide(),
                    BufferedImage.TYPE_3BYTE_BGR), QUERIES);
            double megapixels = options.sceneSide() * (double) options.sceneSide() / 1e6;
            for (int count : new int[] {1, 10}) {
                log.accept(windows + " windows, " + count + (count == 1 ? " query" : " queries"));
                long t0 = System.nanoTime();
                scenes.ground(scene, QUERIES.subList(0, count), tiling, SceneGrounder.WindowListener.NONE);
                double seconds = (System.nanoTime() - t0) / 1e9;
                out.put("scene_" + count + "q_s", seconds);
                out.put("windows_per_s_" + count + "q", windows / seconds);
                out.put("s_per_megapixel_" + count + "q", seconds / megapixels);
            }
        }
        log.accept("reading the windows alone");
        out.put("read_windows_s", readOnly(scene, options, out.get("windows").asInt()));
    }

    /** @return seconds to read every window of the scene without grounding them: the share that is I/O */
    private static double readOnly(Path scene, Options options, int expected) throws IOException {
        List<java.awt.Rectangle> windows = SceneGrounder.windows(options.sceneSide(), options.sceneSide(),
                options.windowSide(), options.overlap());
        if (windows.size() != expected) {
            throw new IllegalStateException("window count differs: " + windows.size() + " vs " + expected);
        }
        long t0 = System.nanoTime();
        try (io.rsground.geo.SceneReader reader = io.rsground.geo.SceneReader.open(scene)) {
            for (java.awt.Rectangle w : windows) {
                reader.read(w);
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** @return a deterministic noisy texture of the given side (random weights find no object in it anyway) */
    private static BufferedImage texture(int side) {
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_3BYTE_BGR);
        Random random = new Random(9);
        int[] row = new int[side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                row[x] = random.nextInt(0x1000000);
            }
            image.setRGB(0, y, side, 1, row, 0, side);
        }
        return image;
    }
}
