package io.rsground.train;

import ai.djl.ndarray.NDArray;
import io.rsground.model.Nn;
import java.util.Map;

/**
 * The reference's two box terms on the predicted boxes (cx, cy, w, h normalised): {@code l1}, the L1 distance
 * summed over the four values and averaged over the batch, and {@code giou}, {@code 1 - GIoU} of the corner boxes
 * averaged over the batch.
 */
final class BoxTerms {
    private BoxTerms() {
    }

    /** The L1 term. */
    static final class L1 implements LossTerm {
        @Override
        public NDArray compute(Inputs in, Map<String, Double> log) {
            NDArray pred = in.out().boxes();
            return Nn.scale(pred.sub(in.targetBoxes()).abs().sum(), 1.0 / pred.getShape().get(0));
        }
    }

    /** The GIoU term. */
    static final class Giou implements LossTerm {
        @Override
        public NDArray compute(Inputs in, Map<String, Double> log) {
            NDArray pred = in.out().boxes();
            return Nn.scale(Nn.scalar(pred, 1).sub(GroundingLoss.generalizedIou(GroundingLoss.toCorners(pred),
                    GroundingLoss.toCorners(in.targetBoxes()))).sum(), 1.0 / pred.getShape().get(0));
        }
    }
}
