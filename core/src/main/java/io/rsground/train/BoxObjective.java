package io.rsground.train;

import ai.djl.ndarray.NDArray;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import java.util.LinkedHashMap;
import java.util.Map;

/** The reference objective: the weighted L1 + GIoU box loss on the predicted boxes. */
public final class BoxObjective implements TrainingObjective {
    private final GroundingLoss loss;

    public BoxObjective(GroundingLoss loss) {
        this.loss = loss;
    }

    @Override
    public Loss compute(ClipVgModel model, ClipVgModel.Output out, NDArray targetBoxes, Batch batch) {
        GroundingLoss.Terms t = loss.compute(out.boxes(), targetBoxes);
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("l1", (double) t.l1().getFloat());
        terms.put("giou", (double) t.giou().getFloat());
        return new Loss(t.total(), terms);
    }
}
