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
 */
public record LoadedModel(ClipVgModel model, Tokenizer tokenizer, NDManager manager, String source,
        WeightNaming naming, String architecture, long loadMillis) implements AutoCloseable {

    @Override
    public void close() {
        manager.close();
    }
}
