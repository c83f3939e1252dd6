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

    /** A parameter of any shape with gradient g, produced by backward of sum(w * g). */
    private static Parameter shaped(NDManager m, String name, float[] w, float[] g, long... shape) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(shape)).optInitializer((mm, s, t) -> mm.create(w, new Shape(shape))).build();
        p.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32);
        backward(m, p, g);
        return p;
    }

    private static void backward(NDManager m, Parameter p, float[] g) {
        try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
            c.backward(p.getArray().mul(m.create(g, p.getArray().getShape())).sum());
        }
    }

    @Test
    void parametersSharingARateMoveTogetherAsTheyWouldOneByOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> params = new LinkedHashMap<>();
            params.put("a", shaped(m, "a", new float[] {1, -2, 3, 4, 5, -6}, new float[] {0.5f, -3, 1, 1, -1, 2}, 2, 3));
            params.put("b", shaped(m, "b", new float[] {7}, new float[] {-0.25f}, 1));
            params.put("c", shaped(m, "c", new float[] {-1, 1}, new float[] {2, 2}, 2));
            TorchOptimizer opt = new TorchOptimizer(OptimizerKind.ADAMW, 0.1, m);
            // a and c share a rate, b has its own: two groups
            opt.step(params, n -> n.equals("b") ? 0.02 : 0.01);
            // the first AdamW step: w * (1 - lr * wd) - lr * sign(g)
            assertThat(params.get("a").getArray().toFloatArray()).containsExactly(new float[] {
                1 * 0.999f - 0.01f, -2 * 0.999f + 0.01f, 3 * 0.999f - 0.01f, 4 * 0.999f - 0.01f,
                5 * 0.999f + 0.01f, -6 * 0.999f - 0.01f}, within(1e-6f));
            assertThat(params.get("a").getArray().getShape()).isEqualTo(new Shape(2, 3));
            assertThat(params.get("b").getArray().getFloat(0)).isCloseTo(7 * 0.998f + 0.02f, within(1e-6f));
            assertThat(params.get("c").getArray().toFloatArray()).containsExactly(new float[] {
                -1 * 0.999f - 0.01f, 1 * 0.999f - 0.01f}, within(1e-6f));
            assertThat(params.get("a").getArray().getGradient().toFloatArray()).containsOnly(0f);
            // the state is exported per parameter, in its own shape
            assertThat(opt.exportState().get("first.a").shape()).containsExactly(2, 3);
            assertThat(opt.exportState().get("second.b").floats()).hasSize(1);
            // the parameters outlive the optimizer and still train
            opt.close();
            float before = params.get("c").getArray().getFloat(1);
            backward(m, params.get("c"), new float[] {1, 1});
            assertThat(params.get("c").getArray().getGradient().toFloatArray()).containsExactly(1f, 1f);
            assertThat(params.get("c").getArray().getFloat(1)).isEqualTo(before);
        }
    }

    @Test
    void aGroupUpdatedPieceByPieceMovesAsInOnePiece() {
        float[][] weights = {{1, -2, 3, 4, 5, -6}, {7}, {-1, 1}};
        float[][][] gradients = {
            {{0.5f, -3, 1, 1, -1, 2}, {-0.25f}, {2, 2}},
            {{-1, 0.5f, 0.25f, 2, -2, 1}, {3}, {-0.5f, 1}},
            {{0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f}, {-1}, {0.75f, -0.75f}}};
        for (OptimizerKind kind : OptimizerKind.values()) {
            try (NDManager m = NDManager.newBaseManager();
                    // pieces of at most 3 elements: "a" (6) alone, "b" and "c" (1 + 2) together
                    TorchOptimizer pieces = new TorchOptimizer(kind, 0.1, m, 3);
                    TorchOptimizer whole = new TorchOptimizer(kind, 0.1, m)) {
                Map<String, Parameter> inPieces = new LinkedHashMap<>();
                Map<String, Parameter> inOne = new LinkedHashMap<>();
                String[] names = {"a", "b", "c"};
                for (int i = 0; i < names.length; i++) {
                    inPieces.put(names[i], withGradient(m, names[i], weights[i].clone(), gradients[0][i]));
                    inOne.put(names[i], withGradient(m, names[i], weights[i].clone(), gradients[0][i]));
                }
                for (int step = 0; step < gradients.length; step++) {
                    if (step > 0) {
                        for (int i = 0; i < names.length; i++) {
                            backward(m, inPieces.get(names[i]), gradients[step][i]);
                            backward(m, inOne.get(names[i]), gradients[step][i]);
                        }
                    }
                    // clipped at 1: the global norm must come from every piece
                    double normPieces = pieces.step(inPieces, n -> 0.05, 1.0);
                    double normOne = whole.step(inOne, n -> 0.05, 1.0);
                    assertThat(normPieces).as("%s step %d", kind, step).isCloseTo(normOne, within(1e-6)); // float32 sums in another order
                }
                for (String name : names) {
                    assertThat(inPieces.get(name).getArray().toFloatArray()).as("%s %s", kind, name)
                            .containsExactly(inOne.get(name).getArray().toFloatArray(), within(1e-6f));
                    assertThat(inPieces.get(name).getArray().toFloatArray()).as("%s %s moved", kind, name)
                            .isNotEqualTo(weights[name.charAt(0) - 'a']);
                }
                assertThat(pieces.exportState().keySet()).isEqualTo(whole.exportState().keySet());
            }
        }
    }

    @Test
    void aLaterSplitOfTheRatesRegroupsAndKeepsEachParametersState() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] w1 = {1, 2};
            float[] w2 = {-3};
            Map<String, Parameter> together = new LinkedHashMap<>();
            together.put("p", withGradient(m, "p", w1, new float[] {0.3f, -0.7f}));
            together.put("q", withGradient(m, "q", w2, new float[] {0.9f}));
            Parameter aloneP = withGradient(m, "p", w1, new float[] {0.3f, -0.7f});
            Parameter aloneQ = withGradient(m, "q", w2, new float[] {0.9f});
            try (TorchOptimizer joint = new TorchOptimizer(OptimizerKind.ADAMW, 0.05, m);
                    TorchOptimizer forP = new TorchOptimizer(OptimizerKind.ADAMW, 0.05, m);
                    TorchOptimizer forQ = new TorchOptimizer(OptimizerKind.ADAMW, 0.05, m)) {
                // step 1: one rate for both (one group); step 2: different rates (two groups)
                joint.step(together, n -> 0.1);
                forP.step(one(aloneP), n -> 0.1);
                forQ.step(one(aloneQ), n -> 0.1);
                backward(m, together.get("p"), new float[] {-0.2f, 0.4f});
                backward(m, together.get("q"), new float[] {0.1f});
                backward(m, aloneP, new float[] {-0.2f, 0.4f});
                backward(m, aloneQ, new float[] {0.1f});
                joint.step(together, n -> n.equals("p") ? 0.05 : 0.2);
                forP.step(one(aloneP), n -> 0.05);
                forQ.step(one(aloneQ), n -> 0.2);
                assertThat(together.get("p").getArray().toFloatArray()).containsExactly(aloneP.getArray()
                        .toFloatArray());
                assertThat(together.get("q").getArray().toFloatArray()).containsExactly(aloneQ.getArray()
                        .toFloatArray());
            }
        }
    }

    @Test
    void clippingInTheStepScalesAllGradientsByTheGlobalNorm() {
        try (NDManager m = NDManager.newBaseManager(); TorchOptimizer sgd = new TorchOptimizer(OptimizerKind.SGD, 0,
                m)) {
            Map<String, Parameter> params = new LinkedHashMap<>();
            params.put("a", withGradient(m, "a", new float[] {0f, 0f}, new float[] {3f, 0f}));
            params.put("b", withGradient(m, "b", new float[] {0f}, new float[] {-4f}));
            // norm 5, limit 1: gradients (0.6, 0) and (-0.8), the first SGD step moves by lr times them
            assertThat(sgd.step(params, n -> 0.5, 1.0)).isCloseTo(5.0, within(1e-6));
            assertThat(params.get("a").getArray().toFloatArray()).containsExactly(new float[] {-0.3f, 0f},
                    within(1e-6f));
            assertThat(params.get("b").getArray().getFloat(0)).isCloseTo(0.4f, within(1e-6f));
        }
    }
}
