package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import io.rsground.model.Nn;

/**
 * The reference training loss: {@code L1(pred, gt).sum() / B} and {@code (1 - GIoU(xyxy(pred), xyxy(gt))).sum() / B},
 * combined with weights (1 and 1 by default).
 */
public final class GroundingLoss {
    private final float l1Weight;
    private final float giouWeight;

    public GroundingLoss(double l1Weight, double giouWeight) {
        if (!(l1Weight >= 0) || !(giouWeight >= 0) || l1Weight + giouWeight == 0) {
            throw new IllegalArgumentException("loss weights must be non-negative and not both zero, got l1 "
                    + l1Weight + ", giou " + giouWeight);
        }
        this.l1Weight = (float) l1Weight;
        this.giouWeight = (float) giouWeight;
    }

    /**
     * The two loss terms and their weighted sum.
     *
     * @param l1 scalar L1 term
     * @param giou scalar GIoU term
     * @param total scalar weighted sum, the value to differentiate
     */
    public record Terms(NDArray l1, NDArray giou, NDArray total) {
    }

    /**
     * @param pred [B, 4] predicted boxes, cx,cy,w,h normalised
     * @param target [B, 4] ground-truth boxes, cx,cy,w,h normalised
     * @return the loss terms (scalars)
     */
    public Terms compute(NDArray pred, NDArray target) {
        long batch = pred.getShape().get(0);
        // scalars through Nn.scalar: DJL's Number overloads free their scalar before autograd is done with it
        NDArray l1 = Nn.scale(pred.sub(target).abs().sum(), 1.0 / batch);
        NDArray giou = Nn.scale(Nn.scalar(pred, 1).sub(generalizedIou(toCorners(pred), toCorners(target))).sum(),
                1.0 / batch);
        return new Terms(l1, giou, Nn.scale(l1, l1Weight).add(Nn.scale(giou, giouWeight)));
    }

    /**
     * @param cxcywh [B, 4] cx, cy, w, h
     * @return [B, 4] x1, y1, x2, y2
     */
    static NDArray toCorners(NDArray cxcywh) {
        NDArray c = cxcywh.get(":, 0:2");
        NDArray half = Nn.scale(cxcywh.get(":, 2:4"), 0.5);
        return NDArrays.concat(new ai.djl.ndarray.NDList(c.sub(half), c.add(half)), 1);
    }

    /**
     * Row-wise generalised IoU (the diagonal of DETR's pairwise {@code generalized_box_iou}).
     *
     * @param a [B, 4] corner boxes
     * @param b [B, 4] corner boxes
     * @return [B] GIoU in [-1, 1]
     */
    static NDArray generalizedIou(NDArray a, NDArray b) {
        NDArray areaA = area(a);
        NDArray areaB = area(b);
        NDArray interWh = NDArrays.minimum(a.get(":, 2:4"), b.get(":, 2:4"))
                .sub(NDArrays.maximum(a.get(":, 0:2"), b.get(":, 0:2"))).clip(0f, Float.MAX_VALUE);
        NDArray inter = interWh.get(":, 0").mul(interWh.get(":, 1"));
        NDArray union = areaA.add(areaB).sub(inter);
        NDArray iou = inter.div(union);
        NDArray hullWh = NDArrays.maximum(a.get(":, 2:4"), b.get(":, 2:4"))
                .sub(NDArrays.minimum(a.get(":, 0:2"), b.get(":, 0:2"))).clip(0f, Float.MAX_VALUE);
        NDArray hull = hullWh.get(":, 0").mul(hullWh.get(":, 1"));
        return iou.sub(hull.sub(union).div(hull));
    }

    private static NDArray area(NDArray corners) {
        return corners.get(":, 2").sub(corners.get(":, 0")).mul(corners.get(":, 3").sub(corners.get(":, 1")));
    }
}
