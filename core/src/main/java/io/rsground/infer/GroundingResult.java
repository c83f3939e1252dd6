package io.rsground.infer;

import io.rsground.box.Box;

/**
 * One query's answer.
 *
 * @param query the query as given
 * @param box the box in original image pixels, corner format (x1, y1, x2, y2), clamped to the image
 * @param cxcywhNorm the model's raw output: cx, cy, w, h normalised to the padded input square
 * @param imageWidth width of the image in pixels
 * @param imageHeight height of the image in pixels
 * @param score the presence head's probability in [0, 1] that the referred object is in the image, or null when the
 *     model has no presence head (CLIP-VG's own weights, checkpoints trained without one)
 */
public record GroundingResult(String query, Box box, double[] cxcywhNorm, int imageWidth, int imageHeight,
        Double score) {

    /** @return x1, y1, x2, y2 in original pixels */
    public double[] boxXyxy() {
        return new double[] {box.x1(), box.y1(), box.x2(), box.y2()};
    }

    /** @return whether the model gave a score */
    public boolean hasScore() {
        return score != null;
    }
}
