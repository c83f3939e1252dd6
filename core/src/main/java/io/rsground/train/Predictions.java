package io.rsground.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import io.rsground.model.HostArrays;

/** Inference on prepared batches (evaluation, validation). */
public final class Predictions {
    private Predictions() {
    }

    /**
     * @param model the model
     * @param manager parent manager for temporaries
     * @param batch prepared samples
     * @return [B, 4] predicted boxes, cx, cy, w, h normalised to the padded square, row-major
     */
    public static float[] predict(ClipVgModel model, NDManager manager, Batch batch) {
        Engine.getInstance();
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        // the NDScope also frees intermediates that DJL attaches to the parameters' manager
        try (NDScope arrays = new NDScope(); NDManager scope = manager.newSubManager()) {
            arrays.suppressNotUsedWarning();
            NDArray pixels = HostArrays.create(scope, batch.pixels(), new Shape(batch.size(), 3,
                    batch.imageSize(), batch.imageSize()));
            NDArray patchMask = HostArrays.create(scope, batch.patchMask(), new Shape(batch.size(), batch.patches()));
            NDArray tokens = HostArrays.create(scope, batch.tokens(), new Shape(batch.size(), batch.tokenLength()));
            return model.forward(null, pixels, patchMask, tokens, false).boxes().toFloatArray();
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}
