package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.rsground.util.TensorScope;
import java.util.Collection;

/**
 * Global-norm gradient clipping as {@code torch.nn.utils.clip_grad_norm_}: when the L2 norm of all gradients
 * together exceeds the limit, every gradient is scaled by {@code max_norm / (norm + 1e-6)}. (DJL's
 * {@code optClipGrad} clamps each value instead, which is not the same.)
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /**
     * @param params parameters whose gradients to clip in place
     * @param maxNorm the limit; 0 or less disables clipping
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(Collection<Parameter> params, double maxNorm) {
        try (TensorScope scope = TensorScope.noGrad()) {
            double sumSquares = 0;
            for (Parameter p : params) {
                NDArray w = p.getArray();
                if (w.hasGradient()) {
                    NDArray g = w.getGradient();
                    sumSquares += g.mul(g).sum().getFloat();
                }
            }
            double norm = Math.sqrt(sumSquares);
            if (maxNorm > 0) {
                double coefficient = coefficient(norm, maxNorm);
                if (coefficient < 1) {
                    for (Parameter p : params) {
                        NDArray w = p.getArray();
                        if (w.hasGradient()) {
                            w.getGradient().muli((float) coefficient);
                        }
                    }
                }
            }
            return norm;
        }
    }

    /**
     * @param norm the global gradient norm
     * @param maxNorm the limit
     * @return the factor torch scales every gradient by, {@code max_norm / (norm + 1e-6)}; 1 or more means none
     */
    static double coefficient(double norm, double maxNorm) {
        return maxNorm / (norm + 1e-6);
    }
}
