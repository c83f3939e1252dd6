package io.rsground.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.bench.BenchEngine;
import io.rsground.bench.ModelBenchmark;
import io.rsground.bench.SceneBenchmark;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.infer.onnx.OnnxExporter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rsground bench}: speed and memory on this machine. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure the matrix-multiply ceiling, inference and training samples/s (random weights), "
                + "their share of the ceiling, 10 queries on one image against 10 calls, and memory. With --engine "
                + "onnx, inference through ONNX Runtime beside DJL's.",
        footer = {"  ./rsground bench --preset tiny --steps 3",
            "  ./rsground bench --preset vit-b-16 --batch 8 --engine onnx --int8 --json"})
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--preset", defaultValue = "vit-b-16", description = "architecture")
    String preset;
    @Option(names = {"--model-config", "--model_config"}, paramLabel = "JSON",
            description = "architecture file instead of --preset") Path modelConfig;
    @Option(names = "--batch", defaultValue = "8", description = "batch size") int batch;
    @Option(names = "--steps", defaultValue = "5", description = "timed steps per measurement") int steps;
    @Option(names = "--leak-steps", defaultValue = "0",
            description = "training steps of the memory-growth check (e.g. 200; 0 skips it)")
    int leakSteps;
    @Option(names = "--threads", defaultValue = "0",
            description = "intra-op threads (default: the engine's choice, one per core)")
    int threads;
    @Option(names = "--engine", defaultValue = "djl", paramLabel = "djl|onnx", description = "djl: PyTorch through "
            + "DJL (inference, training, ten queries); onnx: also the same random model exported to ONNX Runtime, its "
            + "inference and ten-query figures (onnx_*) beside DJL's, training left out; with --scene, the engine that "
            + "grounds the scene")
    String engine;
    @Option(names = "--int8", description = "with --engine onnx: export the linear maps in int8")
    boolean int8;
    @Option(names = "--json", description = "print one JSON object on stdout") boolean json;
    @Option(names = "--scene", paramLabel = "SIDE", description = "instead: ground a synthetic tiled TIFF of SIDE x "
            + "SIDE px in windows (random weights with a presence head), with 1 and with 10 queries; reports windows/s "
            + "and s per megapixel")
    Integer scene;
    @Option(names = "--window", defaultValue = "800", paramLabel = "PX", description = "with --scene: the window "
            + "side, i.e. the training side the model claims (the default is DIOR-RSVG's)")
    int window;
    @Option(names = "--overlap", defaultValue = "0.25", description = "with --scene: the windows' overlap ")
    double overlap;

    @Override
    public Integer call() throws Exception {
        if (threads > 0) {
            // read by DJL's PyTorch engine when it starts, which is below
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
        ModelConfig config = modelConfig != null ? ModelConfigs.read(modelConfig) : ModelConfigs.preset(preset);
        String name = modelConfig != null ? modelConfig.toString() : preset;
        PrintWriter err = spec.commandLine().getErr();
        java.util.function.Consumer<String> log = step -> {
            err.println("bench: " + step + " ...");
            err.flush();
        };
        int cores = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        BenchEngine engines = engines();
        ObjectNode result;
        if (scene != null) {
            if (scene < window || window < 32) {
                throw new Errors.BadInputException("--scene must be at least --window, and --window at least 32 px; "
                        + "got " + scene + " and " + window);
            }
            result = SceneBenchmark.run(new SceneBenchmark.Options(name, config, scene, window, overlap, cores,
                    engines), log);
        } else {
            result = ModelBenchmark.run(new ModelBenchmark.Options(name, config, batch, steps, leakSteps, cores,
                    engines), log);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(result));
        } else {
            for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : result.properties()) {
                String v = e.getValue().isFloatingPointNumber() ? String.format(Locale.ROOT, "%.3f",
                        e.getValue().asDouble()) : e.getValue().asText();
                out.printf("%-34s %s%n", e.getKey(), v);
            }
        }
        return Errors.OK;
    }

    /** @return the engines --engine and --int8 ask for */
    private BenchEngine engines() {
        boolean onnx = switch (engine.toLowerCase(Locale.ROOT)) {
            case "djl" -> false;
            case "onnx" -> true;
            default -> throw new Errors.BadInputException("unknown --engine '" + engine + "'; known: djl, onnx");
        };
        if (int8 && !onnx) {
            throw new Errors.BadInputException("--int8 quantizes the model ONNX Runtime runs: give it with "
                    + "--engine onnx");
        }
        return new BenchEngine(onnx, int8 ? OnnxExporter.Precision.INT8_PER_CHANNEL
                : OnnxExporter.Precision.FLOAT32);
    }
}
