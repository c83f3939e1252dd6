package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/**
 * CLIP's pre-norm transformer block: {@code x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))} with
 * {@code mlp = c_proj(QuickGELU(c_fc(x)))} (or GELU, as open_clip's models trained from scratch) and a packed
 * in-projection (q, k, v stacked in that order).
 * Parameter names follow {@code clip.model.ResidualAttentionBlock}.
 */
final class ResidualAttentionBlock extends NamedBlock {
    private final int heads;
    private final boolean quickGelu;
    private final Parameter ln1Weight;
    private final Parameter ln1Bias;
    private final Parameter inProjWeight;
    private final Parameter inProjBias;
    private final Parameter outProjWeight;
    private final Parameter outProjBias;
    private final Parameter ln2Weight;
    private final Parameter ln2Bias;
    private final Parameter fcWeight;
    private final Parameter fcBias;
    private final Parameter projWeight;
    private final Parameter projBias;

    /**
     * @param width token width D
     * @param heads attention heads
     * @param clipTextInit true for the text tower, whose blocks CLIP re-initialises with normal distributions
     *     scaled by width and depth; false for PyTorch module defaults (the ViT blocks)
     * @param layers depth of the tower (for CLIP's text init)
     * @param quickGelu QuickGELU in the feed-forward (CLIP's), else GELU
     */
    ResidualAttentionBlock(int width, int heads, boolean clipTextInit, int layers, boolean quickGelu) {
        this.heads = heads;
        this.quickGelu = quickGelu;
        long d = width;
        Initializer inProjInit;
        Initializer outProjInit;
        Initializer fcInit;
        Initializer projInit;
        if (clipTextInit) {
            double attnStd = Math.pow(width, -0.5);
            double projStd = attnStd * Math.pow(2.0 * layers, -0.5);
            double fcStd = Math.pow(2.0 * width, -0.5);
            inProjInit = TorchInit.normal(attnStd);
            outProjInit = TorchInit.normal(projStd);
            fcInit = TorchInit.normal(fcStd);
            projInit = TorchInit.normal(projStd);
        } else {
            inProjInit = TorchInit.xavierUniform();
            outProjInit = TorchInit.linearDefault(d);
            fcInit = TorchInit.linearDefault(d);
            projInit = TorchInit.linearDefault(4 * d);
        }
        ln1Weight = param("ln_1.weight", TorchInit.ones(), d);
        ln1Bias = param("ln_1.bias", TorchInit.zeros(), d);
        inProjWeight = param("attn.in_proj_weight", inProjInit, 3 * d, d);
        inProjBias = param("attn.in_proj_bias", TorchInit.zeros(), 3 * d);
        outProjWeight = param("attn.out_proj.weight", outProjInit, d, d);
        outProjBias = param("attn.out_proj.bias", TorchInit.zeros(), d);
        ln2Weight = param("ln_2.weight", TorchInit.ones(), d);
        ln2Bias = param("ln_2.bias", TorchInit.zeros(), d);
        fcWeight = param("mlp.c_fc.weight", fcInit, 4 * d, d);
        fcBias = param("mlp.c_fc.bias", TorchInit.linearDefault(d), 4 * d);
        projWeight = param("mlp.c_proj.weight", projInit, d, 4 * d);
        projBias = param("mlp.c_proj.bias", TorchInit.linearDefault(4 * d), d);
    }

    /**
     * @param x [B, L, D] tokens
     * @param additiveMask [L, L] added to the attention scores (the causal mask of the text tower) or null
     * @return [B, L, D]
     */
    NDArray forward(ParameterStore ps, NDArray x, NDArray additiveMask, boolean training) {
        long d = x.getShape().get(2);
        NDArray h = Nn.layerNorm(x, value(ps, ln1Weight, training), value(ps, ln1Bias, training));
        NDArray qkv = Nn.linear(h, value(ps, inProjWeight, training), value(ps, inProjBias, training));
        NDArray q = qkv.get("..., 0:" + d);
        NDArray k = qkv.get("..., " + d + ":" + 2 * d);
        NDArray v = qkv.get("..., " + 2 * d + ":");
        NDArray attended = Nn.attention(q, k, v, heads, additiveMask, 0, training);
        x = x.add(Nn.linear(attended, value(ps, outProjWeight, training), value(ps, outProjBias, training)));
        h = Nn.layerNorm(x, value(ps, ln2Weight, training), value(ps, ln2Bias, training));
        h = Nn.linear(h, value(ps, fcWeight, training), value(ps, fcBias, training));
        h = quickGelu ? Nn.quickGelu(h) : Activation.gelu(h);
        return x.add(Nn.linear(h, value(ps, projWeight, training), value(ps, projBias, training)));
    }
}
