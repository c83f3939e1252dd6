package io.rsground.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import io.rsground.model.HostArrays;
import java.util.Arrays;

/** Inference on prepared batches (evaluation, validation). */
public final class Predictions {
    private Predictions() {
    }

    /** Image features of a batch: [B, 1 + P, W * n], the concatenated multi-level tower outputs per row. */
    @FunctionalInterface
    interface VisualFeatures {
        NDArray of(NDManager scope, Batch batch);
    }

    /**
     * Runs the image tower once per distinct image of the batch: evaluation visits the expressions of one image one
     * after another, and each of them would otherwise encode the same pixels again.
     *
     * @param model the model
     * @param manager parent manager for temporaries
     * @param batch prepared samples
     * @return [B, 4] cx, cy, w, h normalised, row-major
     */
    public static float[] predict(ClipVgModel model, NDManager manager, Batch batch) {
        return predict(model, manager, batch, (scope, b) -> encodeEachImageOnce(model, scope, b));
    }

    /**
     * Predicts boxes without recording gradients, from image features the caller supplies (kept ones, in training).
     *
     * @param visual the batch's image features
     * @return [B, 4] cx, cy, w, h normalised, row-major
     */
    static float[] predict(ClipVgModel model, NDManager manager, Batch batch, VisualFeatures visual) {
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        // the NDScope also frees intermediates that DJL attaches to the parameters' manager
        try (NDScope arrays = new NDScope(); NDManager scope = manager.newSubManager()) {
            arrays.suppressNotUsedWarning();
            int b = batch.size();
            NDArray features = visual.of(scope, batch); // [B, 1 + P, Wn]
            NDArray patchMask = HostArrays.create(scope, batch.patchMask(), new Shape(b, batch.patches()));
            NDArray tokens = HostArrays.create(scope, batch.tokens(), new Shape(b, batch.tokenLength()));
            NDArray text = model.encodeText(null, tokens, false);
            return model.fuse(null, features, patchMask, text, tokens, false).boxes().toFloatArray();
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /** @return [B, 1 + P, W * n] the tower's features, computed once per distinct image and repeated per row */
    private static NDArray encodeEachImageOnce(ClipVgModel model, NDManager scope, Batch batch) {
        int b = batch.size();
        int s = batch.imageSize();
        int[] imageOfRow = sameImageAsPrevious(batch);
        int images = b == 0 ? 0 : imageOfRow[b - 1] + 1;
        float[] pixels = batch.pixels();
        if (images < b) {
            int plane = 3 * s * s;
            pixels = new float[images * plane];
            for (int i = 0; i < b; i++) {
                if (i == 0 || imageOfRow[i] != imageOfRow[i - 1]) {
                    System.arraycopy(batch.pixels(), i * plane, pixels, imageOfRow[i] * plane, plane);
                }
            }
        }
        NDArray visual = model.encodeImage(null, HostArrays.create(scope, pixels, new Shape(images, 3, s, s)),
                false); // [U, 1 + P, W * n]
        if (images < b) {
            long[] rows = Arrays.stream(imageOfRow).asLongStream().toArray();
            visual = visual.get(new NDIndex("{}", HostArrays.create(scope, rows, new Shape(b)))); // [B, 1 + P, Wn]
        }
        return visual;
    }

    /**
     * @return for each row of the batch, the number of its distinct image, counting up from 0: a row whose pixels
     *     and patch mask equal the previous row's shares its number
     */
    static int[] sameImageAsPrevious(Batch batch) {
        int b = batch.size();
        int plane = 3 * batch.imageSize() * batch.imageSize();
        int p = batch.patches();
        int[] out = new int[b];
        for (int i = 1; i < b; i++) {
            boolean same = Arrays.equals(batch.pixels(), i * plane, (i + 1) * plane, batch.pixels(), (i - 1) * plane,
                    i * plane) && Arrays.equals(batch.patchMask(), i * p, (i + 1) * p, batch.patchMask(),
                    (i - 1) * p, i * p);
            out[i] = same ? out[i - 1] : out[i - 1] + 1;
        }
        return out;
    }
}
