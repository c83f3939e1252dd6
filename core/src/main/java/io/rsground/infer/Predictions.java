package io.rsground.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import io.rsground.model.HostArrays;
import io.rsground.util.TensorScope;

/**
 * The one inference path from prepared inputs to boxes, shared by {@link Grounder}, evaluation, training's
 * validation and {@code bench}: image features (computed or kept), the text tower, the fusion encoder and the box
 * head (and the presence head), gradients off. Boxes come out as the model gives them; {@link BoxDecoder} maps them
 * to pixels.
 */
public final class Predictions {
    private Predictions() {
    }

    /**
     * What the model says of a batch, on the host.
     *
     * @param boxes [B, 4] cx, cy, w, h normalised to the padded square, row-major
     * @param scores [B] the presence head's probability that the referred object is in the image, or null when
     *     the model has no presence head
     */
    public record Predicted(float[] boxes, float[] scores) {
        /** @return the i-th score, or null without a presence head */
        public Double score(int i) {
            return scores == null ? null : (double) scores[i];
        }
    }

    /** Image features of a batch: [B, 1 + P, W * n], the concatenated multi-level tower outputs per row. */
    @FunctionalInterface
    public interface FeatureSource {
        NDArray of(NDManager scope, Batch batch);
    }

    /**
     * Runs the image tower once per distinct image of the batch: evaluation visits the expressions of one image one
     * after another, and each of them would otherwise encode the same pixels again.
     *
     * @param model the model
     * @param manager parent manager for temporaries
     * @param batch prepared samples
     * @return the boxes and scores of the batch
     */
    public static Predicted predict(ClipVgModel model, NDManager manager, Batch batch) {
        return predict(model, manager, batch, (scope, b) -> ImageFeatures.ofBatch(model, scope, b));
    }

    /**
     * Predicts boxes from image features the caller supplies (kept ones, in training).
     *
     * @param features the batch's image features
     * @return the boxes and scores of the batch
     */
    public static Predicted predict(ClipVgModel model, NDManager manager, Batch batch, FeatureSource features) {
        try (TensorScope scope = TensorScope.inference(manager)) {
            NDArray visual = features.of(scope.manager(), batch); // [B, 1 + P, Wn]
            return boxes(model, scope.manager(), visual, batch.patchMask(), batch.patches(), batch.tokens(),
                    batch.size(), batch.tokenLength());
        }
    }

    /**
     * The text tower, the fusion encoder and the box head; the caller holds gradients off.
     *
     * @param visual [B, 1 + P, W * n], or [1, 1 + P, W * n] shared by all rows
     * @param patchMask [B * P] row-major, 1 on padded patches
     * @param patches P
     * @param tokens [B * L] row-major ids, 0 = padding
     * @param rows B
     * @param length L
     * @return the boxes and scores of the B rows
     */
    public static Predicted boxes(ClipVgModel model, NDManager scope, NDArray visual, float[] patchMask, int patches,
            long[] tokens, int rows, int length) {
        NDArray mask = HostArrays.create(scope, patchMask, new Shape(rows, patches));
        NDArray ids = HostArrays.create(scope, tokens, new Shape(rows, length));
        NDArray text = model.encodeText(null, ids, false);
        ClipVgModel.Output out = model.fuse(null, visual, mask, text, ids, false);
        return new Predicted(out.boxes().toFloatArray(), out.presenceLogits() == null ? null
                : Activation.sigmoid(out.presenceLogits()).toFloatArray());
    }
}
