package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import java.util.Map;

/**
 * One named term of a training objective (DETR's criterion terms): a scalar computed from a pass, weighted by the
 * run's {@code loss} settings and summed by {@link Criterion}. Terms are registered by name in {@link Objectives};
 * a recipe adds a term by naming it with a weight, nothing else changes.
 */
public interface LossTerm extends AutoCloseable {

    /**
     * What a term reads.
     *
     * @param model the model being trained (for terms that run more of it than the pass did)
     * @param out the pass's output, with the intermediates the term asked for
     * @param targetBoxes [B, 4] ground truth, cx, cy, w, h normalised to the padded square
     * @param batch the batch, for terms that need more than the boxes
     */
    record Inputs(ClipVgModel model, ClipVgModel.Output out, NDArray targetBoxes, Batch batch) {
    }

    /** @return what the term reads of the pass; the pass computes the most any term asks for */
    default ClipVgModel.Detail detail() {
        return ClipVgModel.Detail.BOXES;
    }

    /** @return whether the term reads each sample's absent-referent query ({@code Batch.absent()}) */
    default boolean needsAbsentQueries() {
        return false;
    }

    /** Creates the term's own parameters (auxiliary heads), if any, under the given manager. */
    default void initialize(NDManager manager) {
    }

    /** @return the term's own trainable parameters by name ({@code aux.*}); never saved with the model */
    default Map<String, Parameter> parameters() {
        return Map.of();
    }

    /**
     * @param in the pass and the batch
     * @param log where to put further values for the log (e.g. a hit rate), besides the term itself
     * @return the unweighted scalar term
     */
    NDArray compute(Inputs in, Map<String, Double> log);

    @Override
    default void close() {
    }
}
