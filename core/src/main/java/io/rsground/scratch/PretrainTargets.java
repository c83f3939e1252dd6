package io.rsground.scratch;

import io.rsground.box.Box;
import io.rsground.data.synth.SceneObjects.LabeledBox;
import io.rsground.image.Preprocessed;
import java.util.List;
import java.util.Map;

/**
 * The dense per-patch targets of vision pre-training ({@link VisionPretraining}), and the measures read off them:
 * what classes and colours cover each patch, the box of the object under it (its centre from the patch's own,
 * weighed in inverse proportion to the object's size), mirrored with the image.
 */
final class PretrainTargets {
    /** A patch takes the box of the object covering at least this share of it. */
    static final float BOX_COVERAGE = 0.25f;
    /**
     * The object size (square root of its area, as a share of the canvas side) whose box weighs 1 in the box term;
     * a box weighs in inverse proportion to its object's size, so that an error counts as it would in the IoU.
     */
    static final double BOX_WEIGHT_REFERENCE_SIZE = 0.15;
    /** Keeps a box a few pixels wide from outweighing all the others. */
    static final double MAX_BOX_WEIGHT = 4;

    private PretrainTargets() {
    }

    /** Dense targets of one image on the model's canvas. */
    record Targets(float[] classes, float[] boxes, float[] boxWeights) {
        /**
         * The targets of the canvas mirrored left-right and/or top-bottom: patches trade places, and a box centre
         * given from its patch's centre ({@code 0.5 + (cx - patch cx) / S}) becomes {@code 1 -} itself along each
         * mirrored axis; classes, coverage and sizes stay.
         *
         * @param grid patches per side
         */
        Targets mirrored(int grid, boolean horizontal, boolean vertical) {
            int patches = grid * grid;
            int c = classes.length / patches;
            float[] outClasses = new float[classes.length];
            float[] outBoxes = new float[boxes.length];
            float[] outWeights = new float[boxWeights.length];
            for (int p = 0; p < patches; p++) {
                int from = mirroredPatch(p, grid, horizontal, vertical);
                System.arraycopy(classes, from * c, outClasses, p * c, c);
                outWeights[p] = boxWeights[from];
                if (boxWeights[from] > 0) {
                    outBoxes[p * 4] = horizontal ? 1 - boxes[from * 4] : boxes[from * 4];
                    outBoxes[p * 4 + 1] = vertical ? 1 - boxes[from * 4 + 1] : boxes[from * 4 + 1];
                    outBoxes[p * 4 + 2] = boxes[from * 4 + 2];
                    outBoxes[p * 4 + 3] = boxes[from * 4 + 3];
                }
            }
            return new Targets(outClasses, outBoxes, outWeights);
        }
    }

    /** @return the row-major index of the patch that lands on patch {@code p} when the canvas is mirrored */
    static int mirroredPatch(int p, int grid, boolean horizontal, boolean vertical) {
        int row = p / grid;
        int column = p % grid;
        return (vertical ? grid - 1 - row : row) * grid + (horizontal ? grid - 1 - column : column);
    }

    /**
     * @param objects every known object of the image, boxes in original pixels
     * @param geometry where the eval transform put the image on the canvas
     * @param labelIndex channel of each class name and attribute
     * @param patchSize the tower's patch side
     * @return labels [P, C] coverage, boxes [P, 4] (0.5 + (cx - patch cx) / S, 0.5 + (cy - patch cy) / S, w / S,
     *     h / S), box weights [P] ({@link #boxWeight} where a box applies, 0 elsewhere)
     */
    static Targets targets(List<LabeledBox> objects, Preprocessed geometry, Map<String, Integer> labelIndex,
            int patchSize) {
        int size = geometry.size();
        int grid = size / patchSize;
        int patches = grid * grid;
        int c = labelIndex.size();
        float[] classes = new float[patches * c];
        float[] boxes = new float[patches * 4];
        float[] weights = new float[patches];
        float[] best = new float[patches];
        for (LabeledBox o : objects) {
            Box b = o.box();
            double x1 = b.x1() * geometry.scale() + geometry.left();
            double y1 = b.y1() * geometry.scale() + geometry.top();
            double x2 = b.x2() * geometry.scale() + geometry.left();
            double y2 = b.y2() * geometry.scale() + geometry.top();
            PatchTargets.addCoverage(classes, 0, c, labelIndex.get(o.className()), x1, y1, x2, y2, grid, patchSize);
            if (o.attribute() != null) {
                PatchTargets.addCoverage(classes, 0, c, labelIndex.get(o.attribute()), x1, y1, x2, y2, grid,
                        patchSize);
            }
            float[] cover = PatchTargets.coverage(new Box(x1, y1, x2, y2), size, patchSize);
            for (int p = 0; p < patches; p++) {
                if (cover[p] >= BOX_COVERAGE && cover[p] > best[p]) {
                    best[p] = cover[p];
                    weights[p] = boxWeight(x2 - x1, y2 - y1, size);
                    double patchX = (p % grid + 0.5) * patchSize;
                    double patchY = (p / grid + 0.5) * patchSize;
                    boxes[p * 4] = (float) (0.5 + ((x1 + x2) / 2 - patchX) / size);
                    boxes[p * 4 + 1] = (float) (0.5 + ((y1 + y2) / 2 - patchY) / size);
                    boxes[p * 4 + 2] = (float) ((x2 - x1) / size);
                    boxes[p * 4 + 3] = (float) ((y2 - y1) / size);
                }
            }
        }
        return new Targets(classes, boxes, weights);
    }

    /**
     * How much one patch's box counts in the box term: in inverse proportion to its object's size. The L1 error of
     * a box in canvas units means little for a large object and everything for a vehicle a few pixels wide; divided
     * by the object's size it counts as it does in the IoU the grounding stage is judged by.
     *
     * @param width the object's width on the canvas, pixels
     * @param height its height, pixels
     * @param canvas the canvas side, pixels
     * @return {@link #BOX_WEIGHT_REFERENCE_SIZE} / (sqrt(width * height) / canvas), at most {@link #MAX_BOX_WEIGHT}
     */
    static float boxWeight(double width, double height, int canvas) {
        double side = Math.sqrt(Math.max(width * height, 0)) / canvas;
        return (float) Math.min(MAX_BOX_WEIGHT, BOX_WEIGHT_REFERENCE_SIZE / Math.max(side, 1e-9));
    }

    /**
     * One prepared image.
     *
     * @param pixels [3, S, S] the normalised canvas
     * @param valid [P] 1 for image patches, 0 for padding
     * @param targets its dense targets
     */
    record Prepared(float[] pixels, float[] valid, Targets targets) {
        /**
         * The same image mirrored, with its targets: aerial scenes have no up or left, and the stage-1 targets
         * (what lies under each patch and its box) mirror with the image, so every image counts up to four times.
         */
        Prepared mirrored(int size, int patchSize, boolean horizontal, boolean vertical) {
            if (!horizontal && !vertical) {
                return this;
            }
            float[] out = new float[pixels.length];
            for (int channel = 0; channel < 3; channel++) {
                for (int y = 0; y < size; y++) {
                    int fromRow = (channel * size + (vertical ? size - 1 - y : y)) * size;
                    int toRow = (channel * size + y) * size;
                    for (int x = 0; x < size; x++) {
                        out[toRow + x] = pixels[fromRow + (horizontal ? size - 1 - x : x)];
                    }
                }
            }
            int grid = size / patchSize;
            float[] outValid = new float[valid.length];
            for (int p = 0; p < valid.length; p++) {
                outValid[p] = valid[mirroredPatch(p, grid, horizontal, vertical)];
            }
            return new Prepared(out, outValid, targets.mirrored(grid, horizontal, vertical));
        }
    }

    /**
     * The plain (unweighted) L1 error of the patches that hold a box.
     *
     * @param predicted [G * P * 4] predicted boxes
     * @param targets [G * P * 4] their targets
     * @param weights [G * P] box weights, 0 where a patch holds no box
     * @return {sum of absolute errors, number of values summed}
     */
    static double[] plainBoxError(float[] predicted, float[] targets, float[] weights) {
        double sum = 0;
        long values = 0;
        for (int p = 0; p < weights.length; p++) {
            if (weights[p] > 0) {
                for (int k = 0; k < 4; k++) {
                    sum += Math.abs(predicted[p * 4 + k] - targets[p * 4 + k]);
                }
                values += 4;
            }
        }
        return new double[] {sum, values};
    }

    /**
     * Prepared images stacked into batch arrays.
     *
     * @param pixels [G, 3, S, S]
     * @param valid [G, P]
     * @param classes [G, P, C]
     * @param boxes [G, P, 4]
     * @param boxWeights [G, P]
     */
    record Stacked(int images, float[] pixels, float[] valid, float[] classes, float[] boxes,
            float[] boxWeights) {
        static Stacked of(List<Prepared> items, int size, int patches, int c) {
            int g = items.size();
            int plane = 3 * size * size;
            Stacked s = new Stacked(g, new float[g * plane], new float[g * patches], new float[g * patches * c],
                    new float[g * patches * 4], new float[g * patches]);
            for (int j = 0; j < g; j++) {
                Prepared p = items.get(j);
                System.arraycopy(p.pixels(), 0, s.pixels, j * plane, plane);
                System.arraycopy(p.valid(), 0, s.valid, j * patches, patches);
                System.arraycopy(p.targets().classes(), 0, s.classes, j * patches * c, patches * c);
                System.arraycopy(p.targets().boxes(), 0, s.boxes, j * patches * 4, patches * 4);
                System.arraycopy(p.targets().boxWeights(), 0, s.boxWeights, j * patches, patches);
            }
            return s;
        }
    }

    /**
     * @param c channels per patch
     * @param classes the first channels that are classes (the rest are attributes)
     * @return the share of patches at least half covered by one class whose highest class logit is that class
     */
    static double classAccuracy(float[] logits, float[] targets, int rows, int c, int classes) {
        int seen = 0;
        int right = 0;
        for (int r = 0; r < rows; r++) {
            int truth = -1;
            float truthValue = 0.5f;
            int guess = 0;
            for (int k = 0; k < classes; k++) {
                if (targets[r * c + k] >= truthValue) {
                    truthValue = targets[r * c + k];
                    truth = k;
                }
                if (logits[r * c + k] > logits[r * c + guess]) {
                    guess = k;
                }
            }
            if (truth >= 0) {
                seen++;
                right += guess == truth ? 1 : 0;
            }
        }
        return seen == 0 ? Double.NaN : (double) right / seen;
    }

}
