package io.rsground.cli;

import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.onnx.OnnxExporter;
import io.rsground.infer.onnx.OnnxGrounder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Which engine runs the model, for the commands that ground ({@code predict}, {@code serve}, {@code eval},
 * {@code visualize}). Kept apart from {@link ModelOptions}, which {@code export} and {@code reliability} share too:
 * an engine means nothing there, and {@code export} has its own {@code --int8}.
 */
final class EngineOptions {
    @Option(names = "--engine", defaultValue = "djl", paramLabel = "djl|onnx",
            description = "what runs the model: djl (PyTorch through DJL) or onnx (ONNX Runtime; the weights are "
                    + "exported at start-up, or --weights is a file written by 'rsground export') ")
    String engine;

    @Option(names = "--int8", description = "with --engine onnx: export the linear maps in int8 at start-up "
            + "(smaller and faster; boxes move by about 1e-3 of the image side)")
    boolean int8;

    @Option(names = "--onnx-threads", defaultValue = "0", paramLabel = "N", description = "with --engine onnx: "
            + "ONNX Runtime's threads per model call (0: one per core; with several server workers, "
            + "cores / workers keeps them from competing)")
    int onnxThreads;

    /** @return whether ONNX Runtime is asked for (checked spelling) */
    boolean onnx() {
        return switch (engine.toLowerCase(Locale.ROOT)) {
            case "djl" -> false;
            case "onnx" -> true;
            default -> throw new Errors.BadInputException("unknown --engine '" + engine + "'; known: djl, onnx");
        };
    }

    /**
     * Checks the flags' combination before anything loads (a model can take a while).
     *
     * @throws Errors.BadInputException for --int8 without ONNX Runtime, an .onnx file on DJL, and the like
     */
    void check(ModelOptions model) {
        boolean onnx = onnx();
        Path weights = model.request().weights();
        boolean exported = isOnnxFile(weights);
        if (onnxThreads < 0) {
            throw new Errors.BadInputException("--onnx-threads must be at least 0 (0: one per core), got "
                    + onnxThreads);
        }
        if (!onnx && onnxThreads > 0) {
            throw new Errors.BadInputException("--onnx-threads sets ONNX Runtime's threads: give it with --engine onnx");
        }
        if (!onnx && int8) {
            throw new Errors.BadInputException("--int8 quantizes the model ONNX Runtime runs: give it with "
                    + "--engine onnx (the djl engine computes in float32)");
        }
        if (!onnx && exported) {
            throw new Errors.BadInputException("--weights " + weights + " is an exported ONNX model: run it with "
                    + "--engine onnx");
        }
        if (exported && int8) {
            throw new Errors.BadInputException("--int8 applies when the weights are exported at start-up; "
                    + weights + " is exported already (write an int8 one with 'rsground export --int8')");
        }
        if (exported && (model.modelConfig != null || model.preset != null || model.bpe != null)) {
            throw new Errors.BadInputException(weights + " carries its architecture and its tokenizer (the folder "
                    + OnnxExporter.tokenizerDirName(weights) + " beside it): leave out --model-config, --preset and "
                    + "--bpe");
        }
    }

    /**
     * @param model the weights to run
     * @param cacheSize images whose features to keep: by the DJL engine, and by ONNX Runtime with weights it exports
     *     in the process (an exported {@code .onnx} file runs its whole graph per call and keeps none)
     * @return the model on the chosen engine; the caller closes it
     * @throws IOException when the weights cannot be read
     */
    GroundingEngine open(ModelOptions model, int cacheSize) throws IOException {
        check(model);
        Path weights = model.request().weights();
        if (!onnx()) {
            return new Grounder(model.load(), cacheSize);
        }
        if (isOnnxFile(weights)) {
            return OnnxGrounder.open(weights, onnxThreads);
        }
        return OnnxGrounder.of(model.load(), int8 ? OnnxExporter.Precision.INT8_PER_CHANNEL
                : OnnxExporter.Precision.FLOAT32, onnxThreads, cacheSize);
    }

    /** @return whether a weights path names an exported model ({@code .onnx}) */
    static boolean isOnnxFile(Path weights) {
        return weights.getFileName() != null && weights.getFileName().toString().toLowerCase(Locale.ROOT)
                .endsWith(".onnx") && !Files.isDirectory(weights);
    }
}
