package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import java.util.Map;

/**
 * What a training step minimises: in practice a {@link Criterion} of named, weighted terms. The reference objective
 * is the box loss alone; recipes for training from scratch add auxiliary terms with heads of their own, which exist
 * only during training and are not part of the saved model.
 */
public interface TrainingObjective extends AutoCloseable {

    /**
     * The loss of one step.
     *
     * @param total scalar to differentiate
     * @param terms named scalar values for the log (e.g. "l1", "giou"), already as doubles
     */
    record Loss(NDArray total, Map<String, Double> terms) {
    }

    /** @return what {@link #compute} reads of the pass beyond the boxes */
    default ClipVgModel.Detail detail() {
        return ClipVgModel.Detail.BOXES;
    }

    /** @return whether the batches must carry absent-referent queries ({@code Batch.absent()}) */
    default boolean needsAbsentQueries() {
        return false;
    }

    /** Creates the objective's own parameters, if any, under the given manager. */
    default void initialize(NDManager manager) {
    }

    /** @return trainable parameters of the objective itself (auxiliary heads), by name; empty for none */
    default Map<String, Parameter> parameters() {
        return Map.of();
    }

    /**
     * @param model the model being trained (for objectives that read more of it than its output)
     * @param out the model's output for the batch (train mode)
     * @param targetBoxes [B, 4] ground truth, cx, cy, w, h normalised
     * @param batch the batch, for objectives that need more than the boxes
     * @return the loss
     */
    Loss compute(ClipVgModel model, ClipVgModel.Output out, NDArray targetBoxes, Batch batch);

    @Override
    default void close() {
    }
}
