package io.rsground.model;

import ai.djl.training.initializer.Initializer;

/**
 * Initialisers with the semantics of {@code torch.nn.init} and the PyTorch module defaults the reference relies on,
 * so that a model built here from scratch starts from the same distributions as the reference.
 */
final class TorchInit {
    private TorchInit() {
    }

    /** @return N(0, std) */
    static Initializer normal(double std) {
        return (manager, shape, dataType) -> manager.randomNormal(0f, (float) std, shape, dataType);
    }

    /** @return U(-bound, bound) */
    static Initializer uniform(double bound) {
        return (manager, shape, dataType) -> manager.randomUniform((float) -bound, (float) bound, shape, dataType);
    }

    /** @return all zeros */
    static Initializer zeros() {
        return (manager, shape, dataType) -> manager.zeros(shape, dataType);
    }

    /** @return all ones */
    static Initializer ones() {
        return (manager, shape, dataType) -> manager.ones(shape, dataType);
    }

    /**
     * {@code nn.Linear}'s default for weight and bias alike: kaiming-uniform with a = sqrt(5), which is
     * U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     */
    static Initializer linearDefault(long fanIn) {
        return uniform(1.0 / Math.sqrt(fanIn));
    }

    /** @return xavier-uniform over a 2-D (out, in) matrix: U(-a, a), a = sqrt(6 / (fan_in + fan_out)) */
    static Initializer xavierUniform() {
        return (manager, shape, dataType) -> {
            long fanOut = shape.get(0);
            long fanIn = shape.size() / fanOut;
            double bound = Math.sqrt(6.0 / (fanIn + fanOut));
            return manager.randomUniform((float) -bound, (float) bound, shape, dataType);
        };
    }
}
