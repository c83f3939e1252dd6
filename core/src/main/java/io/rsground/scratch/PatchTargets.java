package io.rsground.scratch;

import io.rsground.box.Box;

/**
 * Per-patch training targets from boxes on the model's square input canvas.
 *
 * <p>The measure is the <em>coverage</em> of a patch by a box: the area they share divided by the smaller of the two
 * areas, {@code |patch ∩ box| / min(|patch|, |box|)}, in [0, 1]. A patch entirely inside a box scores 1, and so
 * does the patch around a box smaller than a patch; a box straddling several patches gives each the share of itself
 * (or of the patch) it holds. Patches are the vision tower's: row-major, {@code S / patch} per side.
 */
public final class PatchTargets {
    private PatchTargets() {
    }

    /**
     * @param box a box on the canvas, corner format, canvas pixels (may reach outside the canvas)
     * @param canvasSize S, side of the square canvas
     * @param patchSize the patch side, dividing S
     * @return [(S / patch)^2] row-major coverage of each patch by the box, in [0, 1]; all 0 for a box without area
     */
    public static float[] coverage(Box box, int canvasSize, int patchSize) {
        checkGrid(canvasSize, patchSize);
        int grid = canvasSize / patchSize;
        float[] out = new float[grid * grid];
        addCoverage(out, 0, 1, 0, box.x1(), box.y1(), box.x2(), box.y2(), grid, patchSize);
        return out;
    }

    /**
     * The referent targets of a batch: each sample's coverage by its own target box.
     *
     * @param boxes [B, 4] target boxes, cx, cy, w, h normalised to the padded square, row-major
     * @param batchSize B
     * @param canvasSize S
     * @param patchSize the patch side, dividing S
     * @return [B, P] row-major coverage of each patch by the sample's box, in [0, 1]
     */
    public static float[] referent(float[] boxes, int batchSize, int canvasSize, int patchSize) {
        checkGrid(canvasSize, patchSize);
        if (boxes.length != batchSize * 4L) {
            throw new IllegalArgumentException(batchSize + " boxes need " + batchSize * 4L + " values, got "
                    + boxes.length);
        }
        int grid = canvasSize / patchSize;
        int patches = grid * grid;
        float[] out = new float[batchSize * patches];
        for (int b = 0; b < batchSize; b++) {
            double cx = boxes[b * 4] * (double) canvasSize;
            double cy = boxes[b * 4 + 1] * (double) canvasSize;
            double w = boxes[b * 4 + 2] * (double) canvasSize;
            double h = boxes[b * 4 + 3] * (double) canvasSize;
            addCoverage(out, b * patches, 1, 0, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, grid, patchSize);
        }
        return out;
    }

    /**
     * Writes {@code max(existing, coverage)} of one box into a strided target array: patch {@code p} goes to
     * {@code out[offset + p * stride + channel]}.
     */
    static void addCoverage(float[] out, int offset, int stride, int channel, double x1, double y1, double x2,
            double y2, int grid, int patchSize) {
        double area = (x2 - x1) * (y2 - y1);
        if (!(area > 0)) {
            return;
        }
        double denominator = Math.min(area, (double) patchSize * patchSize);
        int firstRow = Math.max(0, (int) Math.floor(y1 / patchSize));
        int lastRow = Math.min(grid - 1, (int) Math.ceil(y2 / patchSize) - 1);
        int firstColumn = Math.max(0, (int) Math.floor(x1 / patchSize));
        int lastColumn = Math.min(grid - 1, (int) Math.ceil(x2 / patchSize) - 1);
        for (int row = firstRow; row <= lastRow; row++) {
            double overlapY = Math.min(y2, (row + 1.0) * patchSize) - Math.max(y1, (double) row * patchSize);
            if (overlapY <= 0) {
                continue;
            }
            for (int column = firstColumn; column <= lastColumn; column++) {
                double overlapX = Math.min(x2, (column + 1.0) * patchSize) - Math.max(x1, (double) column * patchSize);
                if (overlapX <= 0) {
                    continue;
                }
                int at = offset + (row * grid + column) * stride + channel;
                float value = (float) Math.min(1.0, overlapX * overlapY / denominator);
                if (value > out[at]) {
                    out[at] = value;
                }
            }
        }
    }

    static void checkGrid(int canvasSize, int patchSize) {
        if (patchSize < 1 || canvasSize < patchSize || canvasSize % patchSize != 0) {
            throw new IllegalArgumentException("patch size " + patchSize + " must divide the canvas size "
                    + canvasSize);
        }
    }
}
