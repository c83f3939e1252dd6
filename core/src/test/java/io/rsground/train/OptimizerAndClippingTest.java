package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Update rules and clipping against values worked out by hand. */
class OptimizerAndClippingTest {

    /** A parameter w with gradient g, produced by backward of sum(w * g). */
    private static Parameter withGradient(NDManager m, String name, float[] w, float[] g) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(w.length)).optInitializer((mm, s, t) -> mm.create(w)).build();
        p.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32);
        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            c.backward(p.getArray().mul(m.create(g)).sum());
        }
        return p;
    }

    private static Map<String, Parameter> one(Parameter p) {
        Map<String, Parameter> map = new LinkedHashMap<>();
        map.put(p.getName(), p);
        return map;
    }

    @Test
    void adamWFirstStepMovesByLrTimesSignAfterDecay() {
        try (NDManager m = NDManager.newBaseManager(); TorchOptimizer opt = new TorchOptimizer(OptimizerKind.ADAMW,
                0.1, m)) {
            Parameter p = withGradient(m, "w", new float[] {1f, -2f}, new float[] {0.5f, -3f});
            opt.step(one(p), n -> 0.01);
            // w * (1 - 0.01 * 0.1) then - 0.01 * m_hat / (sqrt(v_hat) + 1e-8), m_hat / sqrt(v_hat) = sign(g)
            float[] w = p.getArray().toFloatArray();
            assertThat(w[0]).isCloseTo(1f * 0.999f - 0.01f, within(1e-6f));
            assertThat(w[1]).isCloseTo(-2f * 0.999f + 0.01f, within(1e-6f));
            // the gradient is zeroed for the next step
            assertThat(p.getArray().getGradient().toFloatArray()).containsExactly(0f, 0f);
        }
    }

    @Test
    void sgdUsesMomentumBufferAndL2() {
        try (NDManager m = NDManager.newBaseManager(); TorchOptimizer opt = new TorchOptimizer(OptimizerKind.SGD,
                0.5, m)) {
            Parameter p = withGradient(m, "w", new float[] {2f}, new float[] {1f});
            opt.step(one(p), n -> 0.1);
            // d = 1 + 0.5 * 2 = 2; buf = 2; w = 2 - 0.1 * 2 = 1.8
            assertThat(p.getArray().getFloat(0)).isCloseTo(1.8f, within(1e-6f));
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                c.backward(p.getArray().mul(1f).sum());
            }
            opt.step(one(p), n -> 0.1);
            // d = 1 + 0.5 * 1.8 = 1.9; buf = 0.9 * 2 + 1.9 = 3.7; w = 1.8 - 0.37 = 1.43
            assertThat(p.getArray().getFloat(0)).isCloseTo(1.43f, within(1e-6f));
        }
    }

    @Test
    void rmspropAndAdamFirstSteps() {
        try (NDManager m = NDManager.newBaseManager();
                TorchOptimizer rms = new TorchOptimizer(OptimizerKind.RMSPROP, 0, m);
                TorchOptimizer adam = new TorchOptimizer(OptimizerKind.ADAM, 1.0, m)) {
            Parameter p = withGradient(m, "w", new float[] {1f}, new float[] {2f});
            rms.step(one(p), n -> 0.01);
            // sq = 0.01 * 4 = 0.04; w = 1 - 0.01 * 2 / (0.2 + 1e-8)
            assertThat(p.getArray().getFloat(0)).isCloseTo(1f - 0.1f, within(1e-6f));
            Parameter q = withGradient(m, "q", new float[] {1f}, new float[] {-3f});
            adam.step(one(q), n -> 0.01);
            // L2: g = -3 + 1 * 1 = -2: the first Adam step moves by lr against the sign
            assertThat(q.getArray().getFloat(0)).isCloseTo(1.01f, within(1e-6f));
        }
    }

    @Test
    void optimizerStateRoundTripsForResume() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] result1;
            float[] result2;
            try (TorchOptimizer a = new TorchOptimizer(OptimizerKind.ADAMW, 0.01, m)) {
                Parameter p = withGradient(m, "w", new float[] {1f, 2f}, new float[] {0.3f, -0.1f});
                a.step(one(p), n -> 0.1);
                var state = a.exportState();
                try (TorchOptimizer b = new TorchOptimizer(OptimizerKind.ADAMW, 0.01, m)) {
                    b.importState(state);
                    assertThat(b.steps()).isEqualTo(1);
                    Parameter p2 = withGradient(m, "w", p.getArray().toFloatArray(), new float[] {0.2f, 0.4f});
                    b.step(one(p2), n -> 0.1);
                    result2 = p2.getArray().toFloatArray();
                }
                try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                    c.backward(p.getArray().mul(m.create(new float[] {0.2f, 0.4f})).sum());
                }
                a.step(one(p), n -> 0.1);
                result1 = p.getArray().toFloatArray();
            }
            assertThat(result2).containsExactly(result1);
        }
    }

    @Test
    void globalNormClippingScalesAllGradientsTogether() {
        try (NDManager m = NDManager.newBaseManager()) {
            Parameter a = withGradient(m, "a", new float[] {0f, 0f}, new float[] {3f, 0f});
            Parameter b = withGradient(m, "b", new float[] {0f}, new float[] {-4f});
            double norm = GradientClipping.clipGlobalNorm(List.of(a, b), 1.0);
            assertThat(norm).isCloseTo(5.0, within(1e-6));
            // scaled by 1 / (5 + 1e-6): a negative gradient is scaled too, not clamped
            NDArray ga = a.getArray().getGradient();
            NDArray gb = b.getArray().getGradient();
            assertThat(ga.getFloat(0)).isCloseTo(0.6f, within(1e-6f));
            assertThat(gb.getFloat(0)).isCloseTo(-0.8f, within(1e-6f));
            // below the limit nothing changes
            assertThat(GradientClipping.clipGlobalNorm(List.of(a, b), 10.0)).isCloseTo(1.0, within(1e-5));
            assertThat(gb.getFloat(0)).isCloseTo(-0.8f, within(1e-6f));
        }
    }
}
