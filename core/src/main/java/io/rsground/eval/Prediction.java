package io.rsground.eval;

import io.rsground.box.Box;

/**
 * One evaluated sample.
 *
 * @param index the global object index
 * @param image the image file name
 * @param className the object's class
 * @param query the referring expression
 * @param queryWords words in the query
 * @param truthPixels ground truth in original pixels, corner format
 * @param predictedPixels prediction in original pixels, corner format, clamped to the image
 * @param truthNormalized ground truth in the padded normalised square, corner format
 * @param predictedNormalized prediction in the padded normalised square, corner format, clamped to [0, 1]
 * @param predictedCxcywh the model's raw output: cx, cy, w, h normalised (unclamped)
 * @param score the presence head's probability that the referred object is in the image, or null without one
 */
public record Prediction(int index, String image, String className, String query, int queryWords, Box truthPixels,
        Box predictedPixels, Box truthNormalized, Box predictedNormalized, double[] predictedCxcywh, Double score) {

    /** A prediction of a model without a presence head. */
    public Prediction(int index, String image, String className, String query, int queryWords, Box truthPixels,
            Box predictedPixels, Box truthNormalized, Box predictedNormalized, double[] predictedCxcywh) {
        this(index, image, className, query, queryWords, truthPixels, predictedPixels, truthNormalized,
                predictedNormalized, predictedCxcywh, null);
    }

    /** @return the reference L1 term for this sample: sum over cx, cy, w, h of |predicted - truth| */
    public double l1Loss() {
        double[] t = truthNormalized.toCxcywh();
        double sum = 0;
        for (int i = 0; i < 4; i++) {
            sum += Math.abs(predictedCxcywh[i] - t[i]);
        }
        return sum;
    }

    /** @return the reference GIoU term for this sample: 1 - GIoU of the raw prediction and the truth */
    public double giouLoss() {
        return 1 - Box.fromCxcywh(predictedCxcywh).giou(truthNormalized);
    }

    /** @return IoU in original pixels */
    public double iouPixels() {
        return predictedPixels.iou(truthPixels);
    }

    /** @return IoU in the normalised square */
    public double iouNormalized() {
        return predictedNormalized.iou(truthNormalized);
    }
}
