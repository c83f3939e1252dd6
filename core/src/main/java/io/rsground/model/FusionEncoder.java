package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.rsground.config.FusionConfig;
import java.util.ArrayList;
import java.util.List;

/** The stack of post-norm DETR encoder layers over [REG] + text + image tokens (no final norm, as the reference). */
public final class FusionEncoder extends NamedBlock {
    private final List<FusionLayer> layers = new ArrayList<>();

    public FusionEncoder(FusionConfig config) {
        for (int i = 0; i < config.layers(); i++) {
            layers.add(child("layers." + i,
                    new FusionLayer(config.hiddenDim(), config.heads(), config.ffnDim(), config.dropout())));
        }
    }

    /**
     * @param x [B, L, H] the joint sequence
     * @param pos [1 or B, L, H] position embedding for queries and keys
     * @param keyMask [B, 1, 1, L] additive key-padding mask
     * @param fullSequence when false, the last layer computes [REG] only (the box head reads nothing else), which
     *     saves most of that layer's work and changes no box
     * @return [B, L, H], or [B, 1, H] when not fullSequence
     */
    public NDArray forward(ParameterStore ps, NDArray x, NDArray pos, NDArray keyMask, boolean training,
            boolean fullSequence) {
        for (int i = 0; i < layers.size(); i++) {
            boolean last = i == layers.size() - 1;
            x = layers.get(i).forward(ps, x, pos, keyMask, training, last && !fullSequence);
        }
        return x;
    }

    /**
     * Every layer's output and where [REG] looks in the last layer, for training-time auxiliary objectives.
     *
     * @param layerOutputs [B, L, H] per layer in order; the last one [B, 1, H] when not fullSequence
     * @param regAttention [B, heads, L] the last layer's attention weights of [REG] over all L keys (masked keys
     *     get 0)
     * @param lastInput [B, L, H] the last layer's input
     * @param lastValues [B, L, H] the last layer's attention values
     */
    public record Layers(List<NDArray> layerOutputs, NDArray regAttention, NDArray lastInput, NDArray lastValues) {
        /** @return the encoder's output, the last layer's */
        public NDArray last() {
            return layerOutputs.get(layerOutputs.size() - 1);
        }
    }

    /** As {@link #forward}, keeping every layer's output and the last layer's attention of [REG]. */
    public Layers forwardTraced(ParameterStore ps, NDArray x, NDArray pos, NDArray keyMask, boolean training,
            boolean fullSequence) {
        List<NDArray> outputs = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size() - 1; i++) {
            x = layers.get(i).forward(ps, x, pos, keyMask, training, false);
            outputs.add(x);
        }
        FusionLayer.Traced last = layers.get(layers.size() - 1).forwardTraced(ps, x, pos, keyMask, training,
                !fullSequence);
        outputs.add(last.output());
        return new Layers(List.copyOf(outputs), last.regAttention(), x, last.values());
    }

    /**
     * The encoder's output at [REG] had its last layer attended as {@code weights} (see
     * {@link FusionLayer#readWith}).
     *
     * @param pass a pass of this encoder
     * @param weights [B, L] attention over the last layer's keys, rows summing to 1; or [B, K, L], K of them
     * @return [B, H], or [B, K, H]
     */
    public NDArray readWith(ParameterStore ps, Layers pass, NDArray weights, boolean training) {
        FusionLayer last = layers.get(layers.size() - 1);
        if (weights.getShape().dimension() == 2) {
            return last.readWith(ps, pass.lastInput(), pass.lastValues(), weights.expandDims(1), training)
                    .squeeze(1);
        }
        return last.readWith(ps, pass.lastInput(), pass.lastValues(), weights, training);
    }
}
