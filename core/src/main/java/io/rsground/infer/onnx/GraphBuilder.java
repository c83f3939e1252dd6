package io.rsground.infer.onnx;

import io.rsground.infer.onnx.OnnxProto.Attribute;
import io.rsground.infer.onnx.OnnxProto.Node;
import io.rsground.infer.onnx.OnnxProto.Tensor;
import io.rsground.infer.onnx.OnnxProto.ValueInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds an ONNX graph node by node: each helper appends one operator (ONNX opset {@value #OPSET} semantics) and
 * returns the name of the value it produces. Values are named after the current {@link #scope} so that a graph
 * viewer shows where each node came from ({@code fusion.layers.3/MatMul_12}).
 */
final class GraphBuilder {
    /** The default domain's opset the graph is written against (LayerNormalization appeared in 17). */
    static final long OPSET = 17;

    private final List<Node> nodes = new ArrayList<>();
    private final List<Tensor> initializers = new ArrayList<>();
    private final List<ValueInfo> inputs = new ArrayList<>();
    private final List<ValueInfo> outputs = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private String scope = "";
    private int counter;

    /** Sets the prefix of the names of the nodes that follow. */
    void scope(String name) {
        scope = name.isEmpty() ? "" : name + "/";
    }

    private String fresh(String base) {
        return scope + base + "_" + counter++;
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("graph value " + name + " is defined twice");
        }
    }

    /**
     * Declares a graph input.
     *
     * @param dims each a Long (fixed) or a String (symbolic, e.g. "batch")
     * @return its name
     */
    String input(String name, int elemType, Object... dims) {
        claim(name);
        inputs.add(new ValueInfo(name, elemType, Arrays.asList(dims)));
        return name;
    }

    /** Declares {@code value} a graph output under {@code name}. */
    void output(String value, String name, int elemType, Object... dims) {
        claim(name);
        nodes.add(new Node(name, "Identity", List.of(value), List.of(name), List.of()));
        outputs.add(new ValueInfo(name, elemType, Arrays.asList(dims)));
    }

    /** Adds a constant tensor (an initializer) under {@code name} and returns the name. */
    String initializer(Tensor t) {
        claim(t.name());
        initializers.add(t);
        return t.name();
    }

    /** @return a float32 initializer of the given shape */
    String floats(String name, long[] dims, float[] values) {
        return initializer(Tensor.floats(name, dims, values));
    }

    /** @return a 1-D int64 constant */
    String longs(long... values) {
        return initializer(Tensor.longs(fresh("const"), new long[] {values.length}, values));
    }

    /** @return a float32 scalar constant */
    String scalar(float value) {
        return initializer(Tensor.floats(fresh("const"), new long[0], new float[] {value}));
    }

    /** Appends a node with one output. */
    String op(String type, List<Attribute> attributes, String... in) {
        String out = fresh(type);
        claim(out);
        nodes.add(new Node(out, type, List.of(in), List.of(out), attributes));
        return out;
    }

    /** Appends a node with {@code count} outputs. */
    String[] ops(String type, int count, List<Attribute> attributes, String... in) {
        String name = fresh(type);
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            out[i] = name + ":" + i;
            claim(out[i]);
        }
        nodes.add(new Node(name, type, List.of(in), List.of(out), attributes));
        return out;
    }

    String op(String type, String... in) {
        return op(type, List.of(), in);
    }

    String add(String a, String b) {
        return op("Add", a, b);
    }

    String mul(String a, String b) {
        return op("Mul", a, b);
    }

    String matMul(String a, String b) {
        return op("MatMul", a, b);
    }

    /** Reshape; 0 copies the input's size at that axis, -1 is inferred (ONNX semantics). */
    String reshape(String x, long... shape) {
        return op("Reshape", x, longs(shape));
    }

    String transpose(String x, long... perm) {
        return op("Transpose", List.of(Attribute.ints("perm", perm)), x);
    }

    String concat(long axis, String... xs) {
        return op("Concat", List.of(Attribute.of("axis", axis)), xs);
    }

    /** Slice on the given axes; starts and ends are names of 1-D int64 tensors. */
    String slice(String x, String starts, String ends, long... axes) {
        return op("Slice", x, starts, ends, longs(axes));
    }

    /** @return the input's shape from axis start to end (exclusive), a 1-D int64 tensor */
    String shape(String x, long start, long end) {
        return op("Shape", List.of(Attribute.of("start", start), Attribute.of("end", end)), x);
    }

    String gather(String data, String indices, long axis) {
        return op("Gather", List.of(Attribute.of("axis", axis)), data, indices);
    }

    /** LayerNormalization over the last axis, eps as torch's default 1e-5. */
    String layerNorm(String x, String gamma, String beta) {
        return op("LayerNormalization", List.of(Attribute.of("axis", -1L), Attribute.of("epsilon", 1e-5f)), x,
                gamma, beta);
    }

    String cast(String x, int to) {
        return op("Cast", List.of(Attribute.of("to", (long) to)), x);
    }

    /** @return the graph so far */
    OnnxProto.Graph build(String name) {
        return new OnnxProto.Graph(name, List.copyOf(nodes), List.copyOf(initializers), List.copyOf(inputs),
                List.copyOf(outputs), List.of());
    }
}
