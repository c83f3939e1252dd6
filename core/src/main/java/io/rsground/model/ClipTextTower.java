package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.rsground.config.TextConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP's causal text transformer, projected to the joint embedding at every position (CLIP-VG uses all token
 * features, not only the end token). Parameter names follow the text part of {@code clip.model.CLIP}.
 */
public final class ClipTextTower extends NamedBlock {
    private final TextConfig config;
    private final Parameter tokenEmbedding;
    private final Parameter positionalEmbedding;
    private final Parameter lnFinalWeight;
    private final Parameter lnFinalBias;
    private final Parameter textProjection;
    private final List<ResidualAttentionBlock> blocks = new ArrayList<>();

    /**
     * @param config the tower
     * @param embedDim width of the joint embedding the projection maps to
     * @param quickGelu QuickGELU (CLIP's) or GELU in the blocks' feed-forward
     */
    public ClipTextTower(TextConfig config, int embedDim, boolean quickGelu) {
        this.config = config;
        long w = config.width();
        tokenEmbedding = param("token_embedding.weight", TorchInit.normal(0.02), config.vocabSize(), w);
        positionalEmbedding = param("positional_embedding", TorchInit.normal(0.01), config.contextLength(), w);
        for (int i = 0; i < config.layers(); i++) {
            blocks.add(child("transformer.resblocks." + i,
                    new ResidualAttentionBlock(config.width(), config.heads(), true, config.layers(),
                            quickGelu)));
        }
        lnFinalWeight = param("ln_final.weight", TorchInit.ones(), w);
        lnFinalBias = param("ln_final.bias", TorchInit.zeros(), w);
        textProjection = param("text_projection", TorchInit.normal(Math.pow(w, -0.5)), w, embedDim);
    }

    /** @return the configuration */
    public TextConfig config() {
        return config;
    }

    /**
     * @param tokens [B, L] int64 token ids, L &lt;= context_length; position i uses positional embedding i
     * @return [B, L, E] features after {@code ln_final} and {@code text_projection} at every position. The causal
     *     mask makes position i depend on tokens 0..i only, so trailing padding may be cut off before the call
     *     without changing the features of the positions kept.
     */
    public NDArray forward(ParameterStore ps, NDArray tokens, boolean training) {
        int length = Math.toIntExact(tokens.getShape().get(1));
        if (length > config.contextLength()) {
            throw new IllegalArgumentException("text of " + length + " tokens exceeds context_length "
                    + config.contextLength());
        }
        NDArray x = Nn.embedding(value(ps, tokenEmbedding, training), tokens)
                .add(value(ps, positionalEmbedding, training).get("0:" + length));
        NDArray causal = causalMask(x, length);
        for (ResidualAttentionBlock block : blocks) {
            x = block.forward(ps, x, causal, training);
        }
        x = Nn.layerNorm(x, value(ps, lnFinalWeight, training), value(ps, lnFinalBias, training));
        return x.matMul(value(ps, textProjection, training));
    }

    /** @return [L, L]: 0 where key j &lt;= query i, {@link Nn#MASKED} above the diagonal */
    private static NDArray causalMask(NDArray like, int length) {
        float[] mask = new float[length * length];
        for (int i = 0; i < length; i++) {
            for (int j = i + 1; j < length; j++) {
                mask[i * length + j] = Nn.MASKED;
            }
        }
        return HostArrays.create(like.getManager(), mask, new ai.djl.ndarray.types.Shape(length, length));
    }
}
