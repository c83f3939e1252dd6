package io.rsground.infer.onnx;

import io.rsground.infer.onnx.OnnxProto.Attribute;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's building blocks as ONNX nodes, each computing what its counterpart in {@code io.rsground.model}
 * computes ({@code Nn.linear}, {@code Nn.attention}, {@code ResidualAttentionBlock}, ...), on weights read by their
 * reference names. Linear weights are stored transposed ([in, out]) so that each linear map is one MatMul.
 */
final class OnnxLayers {
    /** Reads a parameter of the model by its reference name. */
    interface Weights {
        /** @return the parameter's shape; throws naming the parameter when it does not exist */
        long[] shape(String name);

        /** @return the parameter's values, row-major */
        float[] values(String name);
    }

    /**
     * Largest weight level: 7 bits, not 8. On CPUs without VNNI, ONNX Runtime's uint8 x int8 product adds pairs of
     * products in 16 bits, which saturate with 8-bit weights (255 x 127 x 2 > 32767); the fixture's boxes then
     * drifted 8e-3 from float32 against 1.1e-3 with 7-bit weights (ONNX Runtime's own quantizer has
     * {@code reduce_range} for this).
     */
    static final int WEIGHT_LEVELS = 63;

    private final GraphBuilder g;
    private final Weights weights;
    private final OnnxExporter.Precision precision;
    private final Map<String, String> stored = new HashMap<>();

    OnnxLayers(GraphBuilder g, Weights weights, OnnxExporter.Precision precision) {
        this.g = g;
        this.weights = weights;
        this.precision = precision;
    }

    /**
     * @return whether the linear map with this weight runs in int8: every one of the towers' and the fusion
     *     encoder's, not the box and presence heads' (small, and their outputs are the answer)
     */
    private boolean quantized(String weight) {
        return precision != OnnxExporter.Precision.FLOAT32 && !weight.startsWith("bbox_embed.")
                && !weight.startsWith("presence_head.");
    }

    GraphBuilder graph() {
        return g;
    }

    /** @return the parameter as an initializer under its own name, added on first use */
    String param(String name) {
        return stored.computeIfAbsent(name, n -> g.floats(n, weights.shape(n), weights.values(n)));
    }

    /** @return the parameter reshaped (same values) as an initializer named {@code name + suffix} */
    String paramAs(String name, String suffix, long... dims) {
        return stored.computeIfAbsent(name + suffix, n -> g.floats(n, dims, weights.values(name)));
    }

    /**
     * Rows [from, to) of a 2-D parameter [out, in], transposed to [in, to - from], or of a 1-D one.
     *
     * @return the initializer's name
     */
    String rowsTransposed(String name, long from, long to) {
        String key = name + "[" + from + ":" + to + "]" + "^T";
        return stored.computeIfAbsent(key, k -> {
            long[] shape = weights.shape(name);
            float[] v = weights.values(name);
            int rows = (int) (to - from);
            if (shape.length == 1) {
                float[] out = new float[rows];
                System.arraycopy(v, (int) from, out, 0, rows);
                return g.floats(k, new long[] {rows}, out);
            }
            int in = (int) shape[1];
            float[] out = new float[rows * in];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < in; c++) {
                    out[c * rows + r] = v[(int) (from + r) * in + c];
                }
            }
            return g.floats(k, new long[] {in, rows}, out);
        });
    }

    /** {@code x @ W.T + b} with {@code prefix.weight} [out, in] and {@code prefix.bias} [out]: [..., in] -> [..., out]. */
    String linear(String x, String prefix) {
        return linear(x, prefix + ".weight", prefix + ".bias");
    }

    /** As {@link #linear(String, String)} with the parameters named; {@code bias} may be null. */
    String linear(String x, String weight, String bias) {
        String y = matMulRows(x, weight, 0, weights.shape(weight)[0]);
        return bias == null ? y : g.add(y, param(bias));
    }

    /** Rows [from, to) of a packed projection ({@code in_proj}): [..., in] -> [..., to - from]. */
    String linearRows(String x, String weight, String bias, long from, long to) {
        return g.add(matMulRows(x, weight, from, to), rowsTransposed(bias, from, to));
    }

    /** {@code x @ W[from:to].T}, in float32 or, when quantized, in int8. */
    private String matMulRows(String x, String weight, long from, long to) {
        if (!quantized(weight)) {
            return g.matMul(x, rowsTransposed(weight, from, to));
        }
        String[] q = int8RowsTransposed(weight, from, to);
        // activations quantized per call (uint8, asymmetric), weights ahead of time (int8, symmetric)
        String[] xq = g.ops("DynamicQuantizeLinear", 3, List.of(), x);
        String product = g.cast(g.op("MatMulInteger", xq[0], q[0], xq[2]), OnnxProto.FLOAT);
        return g.mul(product, g.mul(xq[1], q[1]));
    }

    /**
     * Rows [from, to) of a weight [out, in], transposed to [in, n] and quantized to 7-bit levels in int8 with scale
     * max|w| / {@value #WEIGHT_LEVELS} per output channel (a column here) or per tensor, as
     * {@link OnnxExporter.Precision} says.
     *
     * @return the names of the int8 weight [in, n] and of its scales ([n], or a scalar)
     */
    private String[] int8RowsTransposed(String name, long from, long to) {
        String key = name + "[" + from + ":" + to + "]^T." + precision.name().toLowerCase(java.util.Locale.ROOT);
        String existing = stored.get(key);
        if (existing != null) {
            return new String[] {existing, stored.get(key + ".scale")};
        }
        long[] shape = weights.shape(name);
        float[] v = weights.values(name);
        int rows = (int) (to - from);
        int in = (int) shape[1];
        boolean perChannel = precision == OnnxExporter.Precision.INT8_PER_CHANNEL;
        float[] scales = new float[perChannel ? rows : 1];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < in; c++) {
                int s = perChannel ? r : 0;
                scales[s] = Math.max(scales[s], Math.abs(v[(int) (from + r) * in + c]));
            }
        }
        for (int s = 0; s < scales.length; s++) {
            scales[s] = scales[s] > 0 ? scales[s] / WEIGHT_LEVELS : 1f;
        }
        byte[] q = new byte[rows * in];
        for (int r = 0; r < rows; r++) {
            float scale = scales[perChannel ? r : 0];
            for (int c = 0; c < in; c++) {
                long level = Math.round(v[(int) (from + r) * in + c] / scale);
                q[c * rows + r] = (byte) Math.max(-WEIGHT_LEVELS, Math.min(WEIGHT_LEVELS, level));
            }
        }
        String weight = g.initializer(OnnxProto.Tensor.bytes(key, OnnxProto.INT8, new long[] {in, rows}, q));
        String scale = g.floats(key + ".scale", perChannel ? new long[] {rows} : new long[0], scales);
        stored.put(key, weight);
        stored.put(key + ".scale", scale);
        return new String[] {weight, scale};
    }

    /** LayerNorm over the last axis with {@code prefix.weight} and {@code prefix.bias}. */
    String layerNorm(String x, String prefix) {
        return g.layerNorm(x, param(prefix + ".weight"), param(prefix + ".bias"));
    }

    /** GELU as torch computes it by default: {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    String gelu(String x) {
        String erf = g.op("Erf", g.mul(x, g.scalar((float) (1 / Math.sqrt(2)))));
        return g.mul(g.mul(x, g.scalar(0.5f)), g.add(erf, g.scalar(1f)));
    }

    /** CLIP's QuickGELU, {@code x * sigmoid(1.702 x)}. */
    String quickGelu(String x) {
        return g.mul(x, g.op("Sigmoid", g.mul(x, g.scalar(1.702f))));
    }

    /**
     * Multi-head scaled dot-product attention on projected inputs, as {@code Nn.attention}: queries scaled by
     * 1/sqrt(head width) before the product, the mask added to the scores, softmax over the keys.
     *
     * @param q [B, Lq, D]
     * @param k [B, Lk, D]
     * @param v [B, Lk, D]
     * @param additiveMask broadcastable to [B, heads, Lq, Lk], or null
     * @return [B, Lq, D] heads concatenated
     */
    String attention(String q, String k, String v, long heads, long width, String additiveMask) {
        long hd = width / heads;
        String qh = g.mul(g.transpose(g.reshape(q, 0, 0, heads, hd), 0, 2, 1, 3),
                g.scalar((float) (1.0 / Math.sqrt(hd))));
        String kh = g.transpose(g.reshape(k, 0, 0, heads, hd), 0, 2, 3, 1); // [B, heads, hd, Lk]
        String vh = g.transpose(g.reshape(v, 0, 0, heads, hd), 0, 2, 1, 3); // [B, heads, Lk, hd]
        String scores = g.matMul(qh, kh); // [B, heads, Lq, Lk]
        if (additiveMask != null) {
            scores = g.add(scores, additiveMask);
        }
        String probs = g.op("Softmax", List.of(Attribute.of("axis", -1L)), scores);
        return g.reshape(g.transpose(g.matMul(probs, vh), 0, 2, 1, 3), 0, 0, width);
    }

    /**
     * CLIP's pre-norm block ({@code ResidualAttentionBlock}): {@code x + attn(ln_1(x))}, then
     * {@code x + c_proj(act(c_fc(ln_2(x))))}.
     *
     * @param x [B, L, D]
     * @param prefix the block's parameter prefix, e.g. {@code clip.visual.transformer.resblocks.0}
     * @param additiveMask [L, L] (the causal mask) or null
     * @return [B, L, D]
     */
    String residualBlock(String x, String prefix, long heads, long width, String additiveMask, boolean quickGelu) {
        String h = layerNorm(x, prefix + ".ln_1");
        String qkv = linear(h, prefix + ".attn.in_proj_weight", prefix + ".attn.in_proj_bias"); // [B, L, 3D]
        String[] parts = g.ops("Split", 3, List.of(Attribute.of("axis", -1L)), qkv,
                g.longs(width, width, width));
        String attended = attention(parts[0], parts[1], parts[2], heads, width, additiveMask);
        x = g.add(x, linear(attended, prefix + ".attn.out_proj"));
        h = linear(layerNorm(x, prefix + ".ln_2"), prefix + ".mlp.c_fc");
        h = quickGelu ? quickGelu(h) : gelu(h);
        return g.add(x, linear(h, prefix + ".mlp.c_proj"));
    }
}
