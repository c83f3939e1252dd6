package io.rsground.infer;

import io.rsground.box.Box;
import io.rsground.image.PaddedGeometry;

/**
 * The one step from what the model says to boxes people use (DETR's {@code PostProcess}): the box head gives cx, cy,
 * w, h normalised to the padded square; the decoder puts it back into the original image's pixels.
 */
public final class BoxDecoder {
    private BoxDecoder() {
    }

    /**
     * One decoded box.
     *
     * @param cxcywhNorm the model's raw output: cx, cy, w, h normalised to the padded square (unclamped)
     * @param normalized the same as corners, clamped to [0, 1]
     * @param pixels corners in original pixels, clamped to the image
     */
    public record Decoded(double[] cxcywhNorm, Box normalized, Box pixels) {
    }

    /**
     * @param boxes [B, 4] cx, cy, w, h normalised to the padded square, row-major
     * @param row which box
     * @param geometry where the image lay in the padded square
     * @return the box in both spaces
     */
    public static Decoded decode(float[] boxes, int row, PaddedGeometry geometry) {
        double cx = boxes[4 * row];
        double cy = boxes[4 * row + 1];
        double w = boxes[4 * row + 2];
        double h = boxes[4 * row + 3];
        return new Decoded(new double[] {cx, cy, w, h}, Box.fromCxcywh(cx, cy, w, h).clamp(0, 0, 1, 1),
                geometry.fromNormalizedCxcywh(cx, cy, w, h));
    }
}
