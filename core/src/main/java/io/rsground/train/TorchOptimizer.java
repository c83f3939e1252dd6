package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.weights.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The optimizers of {@code torch.optim} with their exact update rules (single-tensor form), applied in place to
 * DJL parameters: AdamW (decoupled weight decay), Adam (L2 added to the gradient), SGD with momentum 0.9 and
 * RMSprop (alpha 0.99). DJL's own optimizers differ in detail (its PyTorch engine has no RMSprop, and its
 * gradient clipping clamps values instead of the norm), and the parity test against a PyTorch AdamW step needs
 * torch's exact arithmetic.
 *
 * <p>State (moments, momentum buffers, step count) lives in this object's manager and can be exported for a
 * checkpoint and restored to resume.
 */
public final class TorchOptimizer implements AutoCloseable {
    private final OptimizerKind kind;
    private final double weightDecay;
    private final double beta1 = 0.9;
    private final double beta2 = 0.999;
    private final double eps = 1e-8;
    private final double momentum = 0.9;
    private final double rmsAlpha = 0.99;
    private final NDManager stateManager;
    private final Map<String, NDArray> first = new LinkedHashMap<>();
    private final Map<String, NDArray> second = new LinkedHashMap<>();
    private long steps;

    /**
     * @param kind which rule
     * @param weightDecay decoupled (AdamW) or L2 (the others) weight decay
     * @param parent manager under which the optimizer keeps its state
     */
    public TorchOptimizer(OptimizerKind kind, double weightDecay, NDManager parent) {
        this.kind = kind;
        this.weightDecay = weightDecay;
        this.stateManager = parent.newSubManager();
    }

    /** @return which rule */
    public OptimizerKind kind() {
        return kind;
    }

    /** @return completed steps */
    public long steps() {
        return steps;
    }

    /**
     * Applies one update to every parameter that has a gradient, then zeroes the gradients.
     *
     * @param params trainable parameters by name
     * @param learningRate the rate for each parameter name (parameter groups)
     */
    public void step(Map<String, Parameter> params, ToDoubleFunction<String> learningRate) {
        steps++;
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        // temporaries of the update rules are closed with the scope; state arrays are unregistered from it
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray w = e.getValue().getArray();
                if (!w.hasGradient()) {
                    continue;
                }
                try (NDArray grad = w.getGradient()) {
                    update(e.getKey(), w, grad, learningRate.applyAsDouble(e.getKey()));
                }
                JniUtils.zeroGrad((PtNDArray) w);
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private void update(String name, NDArray w, NDArray grad, double lr) {
        switch (kind) {
            case ADAMW -> {
                w.muli((float) (1 - lr * weightDecay));
                adam(name, w, grad, lr);
            }
            case ADAM -> adam(name, w, weightDecay == 0 ? grad : grad.add(w.mul((float) weightDecay)), lr);
            case SGD -> {
                NDArray d = weightDecay == 0 ? grad : grad.add(w.mul((float) weightDecay));
                NDArray buf = first.get(name);
                if (buf == null) {
                    buf = d.duplicate();
                    buf.attach(stateManager);
                    NDScope.unregister(buf);
                    first.put(name, buf);
                } else {
                    buf.muli((float) momentum).addi(d);
                }
                w.subi(buf.mul((float) lr));
            }
            case RMSPROP -> {
                NDArray g = weightDecay == 0 ? grad : grad.add(w.mul((float) weightDecay));
                NDArray sq = state(second, name, w.getShape());
                sq.muli((float) rmsAlpha).addi(g.mul(g).mul((float) (1 - rmsAlpha)));
                w.subi(g.div(sq.sqrt().add((float) eps)).mul((float) lr));
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private void adam(String name, NDArray w, NDArray grad, double lr) {
        NDArray m = state(first, name, w.getShape());
        NDArray v = state(second, name, w.getShape());
        m.muli((float) beta1).addi(grad.mul((float) (1 - beta1)));
        v.muli((float) beta2).addi(grad.mul(grad).mul((float) (1 - beta2)));
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2Sqrt = Math.sqrt(1 - Math.pow(beta2, steps));
        NDArray denom = v.sqrt().div((float) correction2Sqrt).add((float) eps);
        w.subi(m.div(denom).mul((float) (lr / correction1)));
    }

    private NDArray state(Map<String, NDArray> map, String name, Shape shape) {
        return map.computeIfAbsent(name, n -> {
            NDArray a = stateManager.zeros(shape);
            NDScope.unregister(a);
            return a;
        });
    }

    /** @return the state as tensors ("first.NAME", "second.NAME") plus "steps", for a checkpoint */
    public Map<String, HostTensor> exportState() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        first.forEach((k, a) -> out.put("first." + k, HostTensor.ofFloats(a.getShape().getShape(),
                a.toFloatArray())));
        second.forEach((k, a) -> out.put("second." + k, HostTensor.ofFloats(a.getShape().getShape(),
                a.toFloatArray())));
        out.put("steps", HostTensor.ofLongs(new long[0], new long[] {steps}));
        return out;
    }

    /** Restores what {@link #exportState()} produced. */
    public void importState(Map<String, HostTensor> state) {
        first.values().forEach(NDArray::close);
        second.values().forEach(NDArray::close);
        first.clear();
        second.clear();
        for (Map.Entry<String, HostTensor> e : state.entrySet()) {
            String key = e.getKey();
            HostTensor t = e.getValue();
            if (key.equals("steps")) {
                steps = t.longs()[0];
            } else if (key.startsWith("first.")) {
                first.put(key.substring(6), stateManager.create(t.floats(), new Shape(t.shape())));
            } else if (key.startsWith("second.")) {
                second.put(key.substring(7), stateManager.create(t.floats(), new Shape(t.shape())));
            } else {
                throw new IllegalArgumentException("optimizer state holds an unknown entry '" + key + "'");
            }
        }
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
