package io.rsground.bench;

import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.onnx.OnnxExporter;
import io.rsground.infer.onnx.OnnxGrounder;
import java.io.IOException;
import java.util.Locale;

/**
 * Which engine a benchmark measures: DJL alone, or ONNX Runtime as well (the model exported at start, at the given
 * precision).
 *
 * @param onnx measure ONNX Runtime beside DJL
 * @param precision the exported model's precision (float32 or an int8 quantization)
 */
public record BenchEngine(boolean onnx, OnnxExporter.Precision precision) {
    /** DJL only. */
    public static final BenchEngine DJL = new BenchEngine(false, OnnxExporter.Precision.FLOAT32);

    /** @return the precision's name as the ONNX metadata spells it */
    public String precisionName() {
        return precision.name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param loaded a model; the engine takes ownership
     * @param onnxEngine open it in ONNX Runtime (else DJL, no feature cache)
     * @param threads ONNX Runtime's intra-op threads
     * @return the model on the engine
     */
    GroundingEngine open(LoadedModel loaded, boolean onnxEngine, int threads) throws IOException {
        return onnxEngine ? OnnxGrounder.of(loaded, precision, threads) : new Grounder(loaded, 0);
    }
}
