package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * One DETR encoder layer in its post-norm form, as CLIP-VG's vision-language encoder uses it:
 * <pre>x = norm1(x + drop(attn(q = x + pos, k = x + pos, v = x, key_padding_mask)))
 * x = norm2(x + drop(linear2(drop(relu(linear1(x))))))</pre>
 * Parameter names follow DETR's {@code TransformerEncoderLayer}.
 */
final class FusionLayer extends NamedBlock {
    private final int heads;
    private final double dropout;
    private final Parameter inProjWeight;
    private final Parameter inProjBias;
    private final Parameter outProjWeight;
    private final Parameter outProjBias;
    private final Parameter linear1Weight;
    private final Parameter linear1Bias;
    private final Parameter linear2Weight;
    private final Parameter linear2Bias;
    private final Parameter norm1Weight;
    private final Parameter norm1Bias;
    private final Parameter norm2Weight;
    private final Parameter norm2Bias;

    FusionLayer(int hidden, int heads, int ffn, double dropout) {
        this.heads = heads;
        this.dropout = dropout;
        long h = hidden;
        // the reference applies xavier-uniform to every matrix of the encoder; biases keep the module defaults
        inProjWeight = param("self_attn.in_proj_weight", TorchInit.xavierUniform(), 3 * h, h);
        inProjBias = param("self_attn.in_proj_bias", TorchInit.zeros(), 3 * h);
        outProjWeight = param("self_attn.out_proj.weight", TorchInit.xavierUniform(), h, h);
        outProjBias = param("self_attn.out_proj.bias", TorchInit.zeros(), h);
        linear1Weight = param("linear1.weight", TorchInit.xavierUniform(), ffn, h);
        linear1Bias = param("linear1.bias", TorchInit.linearDefault(h), ffn);
        linear2Weight = param("linear2.weight", TorchInit.xavierUniform(), h, ffn);
        linear2Bias = param("linear2.bias", TorchInit.linearDefault(ffn), h);
        norm1Weight = param("norm1.weight", TorchInit.ones(), h);
        norm1Bias = param("norm1.bias", TorchInit.zeros(), h);
        norm2Weight = param("norm2.weight", TorchInit.ones(), h);
        norm2Bias = param("norm2.bias", TorchInit.zeros(), h);
    }

    /**
     * @param x [B, L, H] tokens
     * @param pos [1 or B, L, H] position embedding, added to queries and keys only
     * @param keyMask [B, 1, 1, L] additive key-padding mask (0 keep, {@link Nn#MASKED} drop)
     * @param firstOnly compute the output at position 0 ([REG]) only: every position is still a key and value,
     *     but only [REG]'s query, residual and feed-forward are computed. The result at [REG] is the same; use it
     *     for the last layer when nothing else reads the other positions.
     * @return [B, L, H], or [B, 1, H] when firstOnly
     */
    NDArray forward(ParameterStore ps, NDArray x, NDArray pos, NDArray keyMask, boolean training,
            boolean firstOnly) {
        return pass(ps, x, pos, keyMask, training, firstOnly, false).output();
    }

    /**
     * A pass that also keeps what training objectives read of it.
     *
     * @param output [B, L, H], or [B, 1, H] when firstOnly
     * @param regAttention [B, heads, L] how [REG] (position 0) spreads its attention over the keys
     * @param values [B, L, H] the attention values
     */
    record Traced(NDArray output, NDArray regAttention, NDArray values) {
    }

    /** As {@link #forward}, keeping [REG]'s attention and the values. */
    Traced forwardTraced(ParameterStore ps, NDArray x, NDArray pos, NDArray keyMask, boolean training,
            boolean firstOnly) {
        return pass(ps, x, pos, keyMask, training, firstOnly, true);
    }

    private Traced pass(ParameterStore ps, NDArray x, NDArray pos, NDArray keyMask, boolean training,
            boolean firstOnly, boolean traced) {
        long h = x.getShape().get(2);
        NDArray w = value(ps, inProjWeight, training);
        NDArray b = value(ps, inProjBias, training);
        NDArray xp = x.add(pos);
        NDArray q;
        NDArray k;
        if (firstOnly) {
            q = Nn.linear(xp.get(":, 0:1, :"), w.get("0:" + h), b.get("0:" + h)); // [B, 1, H]
            k = Nn.linear(xp, w.get(h + ":" + 2 * h), b.get(h + ":" + 2 * h));
        } else {
            // q and k share their input, so project them in one call: [B, L, 2H]
            NDArray qk = Nn.linear(xp, w.get("0:" + 2 * h), b.get("0:" + 2 * h));
            q = qk.get("..., 0:" + h);
            k = qk.get("..., " + h + ":");
        }
        NDArray v = Nn.linear(x, w.get(2 * h + ":"), b.get(2 * h + ":"));
        NDArray residual = firstOnly ? x.get(":, 0:1, :") : x;
        if (!traced) {
            NDArray attended = Nn.attention(q, k, v, heads, keyMask, dropout, training);
            return new Traced(afterAttention(ps, residual, attended, training), null, null);
        }
        Nn.Attended attended = Nn.attentionWithFirstRow(q, k, v, heads, keyMask, dropout, training);
        return new Traced(afterAttention(ps, residual, attended.values(), training), attended.firstRowWeights(), v);
    }

    /**
     * The rest of the layer once the heads have attended: output projection, residual, norm1, feed-forward, norm2.
     *
     * @param residual [B, N, H] (or [B, 1, H], broadcast over N)
     * @param attended [B, N, H] the heads' concatenated outputs
     * @return [B, N, H]
     */
    private NDArray afterAttention(ParameterStore ps, NDArray residual, NDArray attended, boolean training) {
        NDArray out = Nn.linear(attended, value(ps, outProjWeight, training), value(ps, outProjBias, training));
        NDArray x = Nn.layerNorm(residual.add(Nn.dropout(out, dropout, training)), value(ps, norm1Weight, training),
                value(ps, norm1Bias, training));
        NDArray ff = Activation.relu(Nn.linear(x, value(ps, linear1Weight, training),
                value(ps, linear1Bias, training)));
        ff = Nn.linear(Nn.dropout(ff, dropout, training), value(ps, linear2Weight, training),
                value(ps, linear2Bias, training));
        return Nn.layerNorm(x.add(Nn.dropout(ff, dropout, training)), value(ps, norm2Weight, training),
                value(ps, norm2Bias, training));
    }

    /**
     * What this layer would give at [REG] (position 0) if [REG] spread its attention over the keys as {@code
     * weights} in every head, instead of as its query and the keys decide: the values, the output projection, the
     * residual and the feed-forward are the layer's own. Training objectives use it to teach the layer to read a
     * box from where it should look, before its attention has learned to look there.
     *
     * @param x [B, L, H] the layer's input
     * @param v [B, L, H] the values this layer computed from it ({@link Traced#values})
     * @param weights [B, K, L] K ways to spread the attention over the keys, each row summing to 1
     * @return [B, K, H]
     */
    NDArray readWith(ParameterStore ps, NDArray x, NDArray v, NDArray weights, boolean training) {
        // the same weights in every head: the heads' concatenated outputs are one weighted sum of the values
        NDArray attended = weights.matMul(v); // [B, K, H]
        // [REG]'s own residual, broadcast over the K readings
        return afterAttention(ps, x.get(":, 0:1, :"), attended, training);
    }
}
