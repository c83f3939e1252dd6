package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;

/** Functional building blocks with PyTorch semantics, each one native call where possible. */
public final class Nn {
    /** Added to attention scores of masked keys: exp underflows to exactly 0, as with -inf, without inf - inf. */
    public static final float MASKED = -1e9f;

    private static final float LAYER_NORM_EPS = 1e-5f;

    private Nn() {
    }

    /**
     * A scalar constant in memory owned by the engine. DJL's {@code mul(Number)} and friends build the scalar in a
     * Java buffer and close it right after the call; autograd keeps a reference to it for the backward pass, and
     * once the garbage collector frees the buffer the gradients are computed from freed memory. Every scalar in a
     * differentiable expression therefore goes through here.
     *
     * @param like an array whose manager, device and type the scalar takes
     * @param value the value
     * @return a 0-d array
     */
    public static NDArray scalar(NDArray like, double value) {
        return like.getManager().full(new Shape(), (float) value, like.getDataType());
    }

    /** @return {@code x * factor}, safe under autograd (see {@link #scalar}) */
    public static NDArray scale(NDArray x, double factor) {
        return x.mul(scalar(x, factor));
    }

    /** {@code x @ w.T + b}: [..., in] -> [..., out]; w [out, in], b [out] or null. */
    public static NDArray linear(NDArray x, NDArray w, NDArray b) {
        return Linear.linear(x, w, b).singletonOrThrow();
    }

    /** LayerNorm over the last axis (eps 1e-5): [..., D] -> [..., D]. */
    static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta) {
        return LayerNorm.layerNorm(x, new Shape(x.getShape().get(x.getShape().dimension() - 1)), gamma, beta,
                LAYER_NORM_EPS).singletonOrThrow();
    }

    /** CLIP's QuickGELU, {@code x * sigmoid(1.702 x)}. */
    static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(scale(x, 1.702)));
    }

    /** Inverted dropout in training, identity otherwise. */
    static NDArray dropout(NDArray x, double rate, boolean training) {
        if (!training || rate <= 0) {
            return x;
        }
        return Dropout.dropout(x, (float) rate, true).singletonOrThrow();
    }

    /**
     * Multi-head scaled dot-product attention on projected inputs, as {@code nn.MultiheadAttention} computes it
     * after its in-projection.
     *
     * @param q [B, Lq, D] projected queries
     * @param k [B, Lk, D] projected keys
     * @param v [B, Lk, D] projected values
     * @param heads number of heads dividing D
     * @param additiveMask added to the scores, broadcastable to [B, heads, Lq, Lk] (0 = keep, {@link #MASKED} =
     *     drop), or null
     * @param dropout dropout on the attention weights (training only)
     * @return [B, Lq, D] attended values, heads concatenated (before the out-projection)
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v, int heads, NDArray additiveMask, double dropout,
            boolean training) {
        return attend(q, k, v, heads, additiveMask, dropout, training, false).values();
    }

    /**
     * What {@link #attentionWithFirstRow} returns.
     *
     * @param values [B, Lq, D] attended values, heads concatenated
     * @param firstRowWeights [B, heads, Lk] the softmax weights of query 0 (before dropout)
     */
    record Attended(NDArray values, NDArray firstRowWeights) {
    }

    /**
     * As {@link #attention}, also returning how the first query spreads its attention (for objectives that
     * steer [REG]'s attention).
     */
    static Attended attentionWithFirstRow(NDArray q, NDArray k, NDArray v, int heads, NDArray additiveMask,
            double dropout, boolean training) {
        return attend(q, k, v, heads, additiveMask, dropout, training, true);
    }

    private static Attended attend(NDArray q, NDArray k, NDArray v, int heads, NDArray additiveMask, double dropout,
            boolean training, boolean keepFirstRow) {
        Shape qs = q.getShape();
        long b = qs.get(0);
        long lq = qs.get(1);
        long d = qs.get(2);
        long lk = k.getShape().get(1);
        long hd = d / heads;
        NDArray qh = scale(q.reshape(b, lq, heads, hd).transpose(0, 2, 1, 3), 1.0 / Math.sqrt(hd));
        NDArray kh = k.reshape(b, lk, heads, hd).transpose(0, 2, 3, 1); // [B, H, hd, Lk]
        NDArray vh = v.reshape(b, lk, heads, hd).transpose(0, 2, 1, 3); // [B, H, Lk, hd]
        NDArray scores = qh.matMul(kh); // [B, H, Lq, Lk]
        if (additiveMask != null) {
            scores = scores.add(additiveMask);
        }
        NDArray probs = scores.softmax(-1);
        NDArray firstRow = keepFirstRow ? probs.get(":, :, 0, :") : null;
        NDArray weights = dropout(probs, dropout, training);
        return new Attended(weights.matMul(vh).transpose(0, 2, 1, 3).reshape(b, lq, d), firstRow);
    }

    /** Rows of an embedding table: tokens [B, L] int64, table [V, D] -> [B, L, D]. */
    static NDArray embedding(NDArray table, NDArray tokens) {
        // torch's embedding op, not an indexed gather: the gather's gradient adds the rows of repeated tokens with
        // atomic adds across threads, in an order that changes from run to run; the embedding's gradient adds
        // them in token order, so the same seed gives the same weights run after run
        return tokens.getNDArrayInternal().embedding(tokens, table, SparseFormat.DENSE).singletonOrThrow();
    }
}
