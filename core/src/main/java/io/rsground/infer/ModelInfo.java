package io.rsground.infer;

import io.rsground.weights.WeightNaming;

/**
 * What a grounding engine runs and where it came from: the model description of {@code GET /api/v1/model} and of
 * the commands' start-up lines.
 *
 * @param engine {@code djl} (PyTorch through DJL) or {@code onnx} (ONNX Runtime)
 * @param precision how the linear maps compute: {@code float32}, {@code int8_per_channel} or {@code int8_per_tensor}
 * @param architecture the preset name, the model-config file, or "checkpoint"
 * @param parameters the model's parameter count, or -1 when not known (an exported file without it)
 * @param trainingScale the side, in pixels, of the images the model was trained on: the window side of tiled
 *     grounding
 * @param source the weights file, checkpoint directory or {@code .onnx} file
 * @param naming the naming the weights followed, or null when not known
 */
public record ModelInfo(String engine, String precision, String architecture, long parameters, int trainingScale,
        String source, WeightNaming naming) {
    /** Engine name of {@link Grounder}. */
    public static final String DJL = "djl";
    /** Engine name of the ONNX Runtime grounder. */
    public static final String ONNX = "onnx";
    /** Precision of a model computed as trained. */
    public static final String FLOAT32 = "float32";

    /** @return a DJL model's description */
    public static ModelInfo of(LoadedModel loaded) {
        return new ModelInfo(DJL, FLOAT32, loaded.architecture(), loaded.model().parameterCount(),
                loaded.trainingScale(), loaded.source(), loaded.naming());
    }

    /** @return the same model run by another engine at another precision */
    public ModelInfo on(String otherEngine, String otherPrecision) {
        return new ModelInfo(otherEngine, otherPrecision, architecture, parameters, trainingScale, source, naming);
    }
}
