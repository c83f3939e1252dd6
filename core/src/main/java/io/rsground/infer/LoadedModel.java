package io.rsground.infer;

import ai.djl.ndarray.NDManager;
import io.rsground.model.ClipVgModel;
import io.rsground.text.Tokenizer;
import io.rsground.weights.WeightNaming;

/**
 * A model ready to use, with its tokenizer and provenance.
 *
 * @param model the initialised model
 * @param tokenizer the tokenizer it was trained with
 * @param manager owns the parameters; closed with this record
 * @param source the weights file or checkpoint directory
 * @param naming the naming the weights followed
 * @param architecture the preset name, or the model-config file, or "checkpoint"
 * @param loadMillis time taken to read and load the weights
 * @param trainingScale the typical side, in pixels, of the images the model was trained on: the window side of tiled
 *     grounding ({@link #DIOR_RSVG_SCALE} for weights that do not record it)
 */
public record LoadedModel(ClipVgModel model, Tokenizer tokenizer, NDManager manager, String source,
        WeightNaming naming, String architecture, long loadMillis, int trainingScale) implements AutoCloseable {
    /** The side of DIOR-RSVG's images, which CLIP-VG's published weights were fine-tuned on. */
    public static final int DIOR_RSVG_SCALE = 800;

    /** Checks the scale. */
    public LoadedModel {
        if (trainingScale < 2) {
            throw new IllegalArgumentException("training scale must be at least 2 px, got " + trainingScale);
        }
    }

    /** A model trained on DIOR-RSVG's 800 px images, or whose training scale is not known. */
    public LoadedModel(ClipVgModel model, Tokenizer tokenizer, NDManager manager, String source, WeightNaming naming,
            String architecture, long loadMillis) {
        this(model, tokenizer, manager, source, naming, architecture, loadMillis, DIOR_RSVG_SCALE);
    }

    @Override
    public void close() {
        manager.close();
    }
}
