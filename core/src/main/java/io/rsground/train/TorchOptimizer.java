package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.util.TensorScope;
import io.rsground.weights.HostTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The optimizers of {@code torch.optim} with their exact update rules, applied in place to DJL parameters: AdamW
 * (decoupled weight decay), Adam (L2 added to the gradient), SGD with momentum 0.9 and RMSprop (alpha 0.99). DJL's
 * own optimizers differ in detail (its PyTorch engine has no RMSprop, and its gradient clipping clamps values
 * instead of the norm), and the parity test against a PyTorch AdamW step needs torch's exact arithmetic.
 *
 * <p><b>One flat buffer per learning rate</b>, as torch's fused and multi-tensor optimizers do it: at the first
 * step the parameters that share a learning rate are copied into one flat tensor, and each parameter's array
 * becomes a view of its slice. A step then gathers the gradients of consecutive parameters into flat pieces of at
 * most {@link #PIECE_ELEMENTS} and updates each piece with a dozen native calls instead of a dozen per parameter
 * (each call costs microseconds; a small model has a hundred parameters, and fits in a few pieces). The arithmetic
 * is element-wise and the same as per tensor. The parameters keep
 * their views (the storage outlives this optimizer); a different set of parameters, or a different split into
 * learning rates, regroups them.
 *
 * <p>State (moments, momentum buffers, step count) lives in this object's manager and can be exported for a
 * checkpoint, per parameter name, and restored to resume.
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
    private final List<Group> groups = new ArrayList<>();
    /** The parameters of the last step, in the order they were given. */
    private final List<Parameter> lastGiven = new ArrayList<>();
    /** State read by {@link #importState} before the parameters it belongs to were seen. */
    private final Map<String, float[]> pendingFirst = new LinkedHashMap<>();
    private final Map<String, float[]> pendingSecond = new LinkedHashMap<>();
    private final long pieceElements;
    private long steps;

    /**
     * Elements per piece of a group that one update handles at a time: a flat temporary of a whole large model
     * (170 M parameters: 680 MB, a dozen per step) is fresh memory the process faults in every step, while pieces
     * of 16 MB are reused by the allocator. A parameter larger than this is a piece of its own.
     */
    static final long PIECE_ELEMENTS = 1L << 22;

    /**
     * Parameters {@code [from, to)} of a group, updated together.
     *
     * @param elements their slice of the group's flat tensors, as an index ("start:end")
     */
    private record Piece(int from, int to, String elements) {
    }

    /** Parameters sharing a learning rate, their values, gradients and state as flat tensors. */
    private static final class Group {
        final List<String> names = new ArrayList<>();
        final List<Parameter> params = new ArrayList<>();
        final List<long[]> shapes = new ArrayList<>();
        final List<Long> offsets = new ArrayList<>();
        /** Consecutive runs of parameters updated together. */
        final List<Piece> pieces = new ArrayList<>();
        NDArray values;
        /** First moment (Adam) or momentum buffer (SGD); null until the first update needs it. */
        NDArray first;
        /** Second moment (Adam) or square average (RMSprop). */
        NDArray second;
        long size;
    }

    /**
     * @param kind which rule
     * @param weightDecay decoupled (AdamW) or L2 (the others) weight decay
     * @param parent manager under which the optimizer keeps its state
     */
    public TorchOptimizer(OptimizerKind kind, double weightDecay, NDManager parent) {
        this(kind, weightDecay, parent, PIECE_ELEMENTS);
    }

    /** @param pieceElements elements per piece of a group ({@link #PIECE_ELEMENTS}; tests use small pieces) */
    TorchOptimizer(OptimizerKind kind, double weightDecay, NDManager parent, long pieceElements) {
        if (pieceElements < 1) {
            throw new IllegalArgumentException("pieces need at least one element, got " + pieceElements);
        }
        this.pieceElements = pieceElements;
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
        step(params, learningRate, 0);
    }

    /**
     * Clips the gradients to a global norm as {@code torch.nn.utils.clip_grad_norm_} does (every gradient scaled
     * by {@code max_norm / (norm + 1e-6)} when the norm of all of them together exceeds the limit), applies one
     * update to every parameter that has a gradient, then zeroes the gradients.
     *
     * @param params trainable parameters by name
     * @param learningRate the rate for each parameter name (parameter groups)
     * @param clipMaxNorm the norm limit; 0 or less: no clipping
     * @return the global gradient norm before clipping
     */
    public double step(Map<String, Parameter> params, ToDoubleFunction<String> learningRate, double clipMaxNorm) {
        steps++;
        // temporaries are closed with the scope; state and values are unregistered from it
        try (TensorScope scope = TensorScope.noGrad()) {
            // the gradients first: making the groups gives the parameters new arrays, without gradients
            Map<Parameter, NDArray> gradientOf = new java.util.IdentityHashMap<>();
            for (Parameter p : params.values()) {
                if (p.getArray().hasGradient()) {
                    gradientOf.put(p, p.getArray().getGradient().reshape(-1));
                }
            }
            double[] rates = regroupIfNeeded(params, learningRate);
            // per group, per piece: the piece's gradients as one flat tensor [piece elements]
            List<List<NDArray>> gradients = new ArrayList<>(groups.size());
            double sumSquares = 0;
            for (Group g : groups) {
                List<NDArray> pieces = new ArrayList<>(g.pieces.size());
                for (Piece piece : g.pieces) {
                    NDArray flat = flatGradient(g, piece, gradientOf);
                    pieces.add(flat);
                    sumSquares += sumOfSquares(flat);
                }
                gradients.add(pieces);
            }
            double norm = Math.sqrt(sumSquares);
            if (clipMaxNorm > 0) {
                double coefficient = GradientClipping.coefficient(norm, clipMaxNorm);
                if (coefficient < 1) {
                    gradients.forEach(pieces -> pieces.forEach(flat -> flat.muli((float) coefficient)));
                }
            }
            applyUpdates(gradients, rates);
            return norm;
        }
    }

    /**
     * @param gradientOf each parameter's gradient, flattened
     * @return the gradients of the piece's parameters as one flat tensor [piece elements], a new array
     */
    private static NDArray flatGradient(Group g, Piece piece, Map<Parameter, NDArray> gradientOf) {
        NDList parts = new NDList(piece.to() - piece.from());
        for (int i = piece.from(); i < piece.to(); i++) {
            parts.add(gradientOf.get(g.params.get(i)));
        }
        return parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts, 0);
    }

    /** @return the sum of the squared elements of a flat tensor, summed in float32 and read as a double */
    private static double sumOfSquares(NDArray flat) {
        try (NDScope temporaries = new NDScope()) {
            temporaries.suppressNotUsedWarning();
            return flat.mul(flat).sum().toType(DataType.FLOAT64, false).getDouble();
        }
    }

    /**
     * Updates every group piece by piece, closing each piece's gradient once used, then zeroes the parameters'
     * gradients.
     *
     * @param gradients per group, per piece: the flat gradients [piece elements], clipped
     * @param rates each group's learning rate
     */
    private void applyUpdates(List<List<NDArray>> gradients, double[] rates) {
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            ensureState(g);
            for (int k = 0; k < g.pieces.size(); k++) {
                String range = g.pieces.get(k).elements();
                // each piece's temporaries are freed before the next piece needs its own
                try (NDScope temporaries = new NDScope()) {
                    temporaries.suppressNotUsedWarning();
                    update(g.values.get(range), g.first == null ? null : g.first.get(range),
                            g.second == null ? null : g.second.get(range), gradients.get(i).get(k), rates[i]);
                }
                gradients.get(i).get(k).close();
            }
            for (Parameter p : g.params) {
                JniUtils.zeroGrad((PtNDArray) p.getArray());
            }
        }
    }

    /**
     * @return each group's learning rate for this step, after (re)building the groups when the parameters are not
     *     those of the last step or a group's members no longer share one rate (groups whose rates happen to
     *     coincide stay apart)
     */
    private double[] regroupIfNeeded(Map<String, Parameter> params, ToDoubleFunction<String> learningRate) {
        boolean same = params.size() == lastGiven.size();
        int k = 0;
        for (Parameter p : params.values()) {
            same = same && p == lastGiven.get(k++);
        }
        double[] rates = new double[groups.size()];
        for (int i = 0; same && i < groups.size(); i++) {
            Group g = groups.get(i);
            rates[i] = learningRate.applyAsDouble(g.names.get(0));
            for (String name : g.names) {
                same = same && learningRate.applyAsDouble(name) == rates[i];
            }
        }
        if (same) {
            return rates;
        }
        lastGiven.clear();
        lastGiven.addAll(params.values());
        Map<Double, List<String>> byRate = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (e.getValue().getArray().hasGradient()) { // nothing to update otherwise
                byRate.computeIfAbsent(learningRate.applyAsDouble(e.getKey()), r -> new ArrayList<>())
                        .add(e.getKey());
            }
        }
        regroup(params, byRate);
        rates = new double[byRate.size()];
        int i = 0;
        for (double rate : byRate.keySet()) {
            rates[i++] = rate;
        }
        return rates;
    }

    private void regroup(Map<String, Parameter> params, Map<Double, List<String>> byRate) {
        // keep the state of parameters seen before, by name
        for (Group old : groups) {
            for (int i = 0; i < old.names.size(); i++) {
                long from = old.offsets.get(i);
                long to = from + new Shape(old.shapes.get(i)).size();
                if (old.first != null) {
                    pendingFirst.put(old.names.get(i), old.first.get(from + ":" + to).toFloatArray());
                }
                if (old.second != null) {
                    pendingSecond.put(old.names.get(i), old.second.get(from + ":" + to).toFloatArray());
                }
            }
            closeGroup(old);
        }
        groups.clear();
        for (List<String> names : byRate.values()) {
            Group g = new Group();
            NDList parts = new NDList(names.size());
            for (String name : names) {
                Parameter p = params.get(name);
                g.names.add(name);
                g.params.add(p);
                g.shapes.add(p.getArray().getShape().getShape());
                g.offsets.add(g.size);
                g.size += p.getArray().size();
                parts.add(p.getArray().reshape(-1));
            }
            g.values = NDArrays.concat(parts, 0);
            int start = 0;
            long pieceSize = 0;
            for (int i = 0; i < names.size(); i++) {
                long n = new Shape(g.shapes.get(i)).size();
                if (i > start && pieceSize + n > pieceElements) {
                    g.pieces.add(new Piece(start, i, g.offsets.get(start) + ":" + g.offsets.get(i)));
                    start = i;
                    pieceSize = 0;
                }
                pieceSize += n;
            }
            g.pieces.add(new Piece(start, names.size(), g.offsets.get(start) + ":" + g.size));
            g.values.attach(stateManager);
            NDScope.unregister(g.values);
            for (int i = 0; i < names.size(); i++) {
                bindToSlice(g.params.get(i), g.values, g.offsets.get(i), g.shapes.get(i));
            }
            g.first = restored(pendingFirst, g);
            g.second = restored(pendingSecond, g);
            groups.add(g);
        }
    }

    /** Makes the parameter's array a view of its slice of the group's values (same data, gradient required). */
    private static void bindToSlice(Parameter p, NDArray values, long offset, long[] shape) {
        NDManager owner = p.getArray().getManager();
        NDArray view = values.get(offset + ":" + (offset + new Shape(shape).size())).reshape(shape);
        view.attach(owner);
        NDScope.unregister(view);
        p.close();
        p.setInitializer((m, s, t) -> view);
        p.initialize(owner, DataType.FLOAT32);
        view.setRequiresGradient(true);
    }

    /** @return the group's state from the imported values of its parameters, or null when none has any */
    private NDArray restored(Map<String, float[]> pending, Group g) {
        boolean any = false;
        for (String name : g.names) {
            any |= pending.containsKey(name);
        }
        if (!any) {
            return null;
        }
        float[] flat = new float[Math.toIntExact(g.size)];
        for (int i = 0; i < g.names.size(); i++) {
            float[] values = pending.remove(g.names.get(i));
            if (values != null) {
                System.arraycopy(values, 0, flat, Math.toIntExact(g.offsets.get(i)), values.length);
            }
        }
        NDArray a = stateManager.create(flat);
        NDScope.unregister(a);
        return a;
    }

    private NDArray zeros(long size) {
        NDArray a = stateManager.zeros(new Shape(size));
        NDScope.unregister(a);
        return a;
    }

    /** Creates the state the rule needs on its first update (zeros: torch's first moments and momentum start there). */
    private void ensureState(Group g) {
        boolean needsFirst = kind == OptimizerKind.ADAMW || kind == OptimizerKind.ADAM || kind == OptimizerKind.SGD;
        boolean needsSecond = kind != OptimizerKind.SGD;
        if (needsFirst && g.first == null) {
            g.first = zeros(g.size);
        }
        if (needsSecond && g.second == null) {
            g.second = zeros(g.size);
        }
    }

    /**
     * One update of a piece of a group, in place on views of its flat tensors (all [piece elements]).
     *
     * @param w the values
     * @param first first moment or momentum buffer (null for RMSprop)
     * @param second second moment or square average (null for SGD)
     * @param grad the gradients
     */
    private void update(NDArray w, NDArray first, NDArray second, NDArray grad, double lr) {
        switch (kind) {
            case ADAMW -> {
                w.muli((float) (1 - lr * weightDecay));
                adam(w, first, second, grad, lr);
            }
            case ADAM -> adam(w, first, second, weightDecay == 0 ? grad : grad.add(w.mul((float) weightDecay)), lr);
            case SGD -> {
                NDArray d = weightDecay == 0 ? grad : grad.add(w.mul((float) weightDecay));
                // torch starts the buffer as a copy of d: 0 * momentum + d is that, exactly
                first.muli((float) momentum).addi(d);
                w.subi(first.mul((float) lr));
            }
            case RMSPROP -> {
                NDArray d = weightDecay == 0 ? grad : grad.add(w.mul((float) weightDecay));
                second.muli((float) rmsAlpha).addi(d.mul(d).muli((float) (1 - rmsAlpha)));
                w.subi(d.div(second.sqrt().addi((float) eps)).muli((float) lr));
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private void adam(NDArray w, NDArray first, NDArray second, NDArray grad, double lr) {
        first.muli((float) beta1).addi(grad.mul((float) (1 - beta1)));
        second.muli((float) beta2).addi(grad.mul(grad).muli((float) (1 - beta2)));
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2Sqrt = Math.sqrt(1 - Math.pow(beta2, steps));
        NDArray denom = second.sqrt().divi((float) correction2Sqrt).addi((float) eps);
        w.subi(first.div(denom).muli((float) (lr / correction1)));
    }

    /** @return the state as tensors ("first.NAME", "second.NAME") plus "steps", for a checkpoint */
    public Map<String, HostTensor> exportState() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        Map<String, HostTensor> second = new LinkedHashMap<>();
        for (Group g : groups) {
            for (int i = 0; i < g.names.size(); i++) {
                long from = g.offsets.get(i);
                String range = from + ":" + (from + new Shape(g.shapes.get(i)).size());
                if (g.first != null) {
                    out.put("first." + g.names.get(i), slice(g.first, range, g.shapes.get(i)));
                }
                if (g.second != null) {
                    second.put("second." + g.names.get(i), slice(g.second, range, g.shapes.get(i)));
                }
            }
        }
        pendingFirst.forEach((k, v) -> out.put("first." + k, HostTensor.ofFloats(new long[] {v.length}, v)));
        pendingSecond.forEach((k, v) -> second.put("second." + k, HostTensor.ofFloats(new long[] {v.length}, v)));
        out.putAll(second);
        out.put("steps", HostTensor.ofLongs(new long[0], new long[] {steps}));
        return out;
    }

    private static HostTensor slice(NDArray flat, String range, long[] shape) {
        try (NDArray part = flat.get(range)) {
            return HostTensor.ofFloats(shape, part.toFloatArray());
        }
    }

    /** Restores what {@link #exportState()} produced (the state of each parameter joins it at the next step). */
    public void importState(Map<String, HostTensor> state) {
        groups.forEach(this::closeGroup);
        groups.clear();
        lastGiven.clear();
        pendingFirst.clear();
        pendingSecond.clear();
        for (Map.Entry<String, HostTensor> e : state.entrySet()) {
            String key = e.getKey();
            HostTensor t = e.getValue();
            if (key.equals("steps")) {
                steps = t.longs()[0];
            } else if (key.startsWith("first.")) {
                pendingFirst.put(key.substring(6), t.floats());
            } else if (key.startsWith("second.")) {
                pendingSecond.put(key.substring(7), t.floats());
            } else {
                throw new IllegalArgumentException("optimizer state holds an unknown entry '" + key + "'");
            }
        }
    }

    /** Frees a group's tensors; its parameters keep their views (and with them the values' storage). */
    private void closeGroup(Group g) {
        g.values.close();
        if (g.first != null) {
            g.first.close();
        }
        if (g.second != null) {
            g.second.close();
        }
    }

    @Override
    public void close() {
        stateManager.close();
    }
}
