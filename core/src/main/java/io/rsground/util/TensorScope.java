package io.rsground.util;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The one owner of a pass's native memory and of PyTorch's per-thread gradient mode. Opening a scope sets the mode
 * (off for inference, on for a training step) and opens a sub-manager; closing it frees every array made on this
 * thread in between, those that DJL attaches to the parameters' own manager included, and gives the thread back
 * the mode it had. Without the array scope each pass would leave hundreds of arrays behind for as long as the model
 * lives; without the restore a serving thread would go on recording graphs.
 *
 * <pre>{@code try (TensorScope scope = TensorScope.inference(manager)) {
 *     NDArray x = HostArrays.create(scope.manager(), ...);
 * }}</pre>
 */
public final class TensorScope implements AutoCloseable {
    private final boolean previousGradMode;
    private final NDScope arrays;
    private final NDManager manager;

    private TensorScope(NDManager parent, boolean gradMode, boolean scopeArrays) {
        Engine.getInstance();
        previousGradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(gradMode);
        arrays = scopeArrays ? new NDScope() : null;
        if (arrays != null) {
            arrays.suppressNotUsedWarning();
        }
        manager = parent == null ? null : parent.newSubManager();
    }

    /** @return a scope without gradients, with a sub-manager of {@code parent} for the pass's arrays */
    public static TensorScope inference(NDManager parent) {
        return new TensorScope(parent, false, true);
    }

    /** @return a scope that records gradients, with a sub-manager of {@code parent} for the step's arrays */
    public static TensorScope training(NDManager parent) {
        return new TensorScope(parent, true, true);
    }

    /** @return a scope without gradients and without a manager of its own (updates made in place) */
    public static TensorScope noGrad() {
        return new TensorScope(null, false, true);
    }

    /**
     * @return gradients off until closed, and nothing else: arrays made meanwhile live on in their managers (work
     *     within a step that the step's own scope frees)
     */
    public static TensorScope gradientsOff() {
        return new TensorScope(null, false, false);
    }

    /** @return the manager for this scope's arrays */
    public NDManager manager() {
        if (manager == null) {
            throw new IllegalStateException("this scope has no manager of its own");
        }
        return manager;
    }

    @Override
    public void close() {
        try {
            if (manager != null) {
                manager.close();
            }
            if (arrays != null) {
                arrays.close();
            }
        } finally {
            JniUtils.setGradMode(previousGradMode);
        }
    }
}
