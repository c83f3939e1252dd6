package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.rsground.config.VisionConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP's ViT image encoder, returning multi-level features: the outputs of the configured blocks concatenated on
 * the feature axis. {@code ln_post} and {@code proj} are not part of CLIP-VG's forward pass and are not held.
 * Parameter names follow {@code clip.model.VisionTransformer}; a tower configured with a convolutional stem
 * ({@link VisionConfig#convStem}) holds {@code conv_stem.*} in place of {@code conv1.weight}.
 */
public final class ClipVisionTower extends NamedBlock {
    private final VisionConfig config;
    /** CLIP's patch projection or the convolutional stem; declared first, as the reference declares conv1. */
    private final PatchEmbedding embedding;
    private final Parameter classEmbedding;
    private final Parameter positionalEmbedding;
    private final Parameter lnPreWeight;
    private final Parameter lnPreBias;
    private final List<ResidualAttentionBlock> blocks = new ArrayList<>();

    /**
     * @param config the tower
     * @param quickGelu QuickGELU (CLIP's) or GELU in the blocks' feed-forward
     */
    public ClipVisionTower(VisionConfig config, boolean quickGelu) {
        this.config = config;
        long w = config.width();
        double scale = Math.pow(w, -0.5);
        embedding = PatchEmbedding.of(config, this::param);
        classEmbedding = param("class_embedding", TorchInit.normal(scale), w);
        positionalEmbedding = param("positional_embedding", TorchInit.normal(scale), config.numPatches() + 1, w);
        lnPreWeight = param("ln_pre.weight", TorchInit.ones(), w);
        lnPreBias = param("ln_pre.bias", TorchInit.zeros(), w);
        for (int i = 0; i < config.layers(); i++) {
            // only the blocks up to the last extracted layer contribute; the rest are kept for weight compatibility
            blocks.add(child("transformer.resblocks." + i,
                    new ResidualAttentionBlock(config.width(), config.heads(), false, config.layers(),
                            quickGelu)));
        }
    }

    /** @return the configuration */
    public VisionConfig config() {
        return config;
    }

    /**
     * @param pixels [B, 3, S, S] normalised images, S = image_size
     * @return [B, 1 + P, W * n] the outputs of the n extract layers concatenated on the last axis; position 0 is
     *     the class token, then the P = (S/patch)^2 patches in row-major order
     */
    public NDArray forward(ParameterStore ps, NDArray pixels, boolean training) {
        long b = pixels.getShape().get(0);
        long w = config.width();
        NDArray tokens = patchEmbedding(ps, pixels, training);
        NDArray cls = value(ps, classEmbedding, training).reshape(1, 1, w).broadcast(b, 1, w);
        NDArray x = ai.djl.ndarray.NDArrays.concat(new NDList(cls, tokens), 1).add(value(ps, positionalEmbedding, training));
        x = Nn.layerNorm(x, value(ps, lnPreWeight, training), value(ps, lnPreBias, training));
        List<Integer> extract = config.extractLayers();
        int last = extract.get(extract.size() - 1);
        NDList levels = new NDList(extract.size());
        for (int i = 0; i <= last; i++) {
            x = blocks.get(i).forward(ps, x, null, training);
            if (extract.contains(i)) {
                levels.add(x);
            }
        }
        return levels.size() == 1 ? levels.get(0) : ai.djl.ndarray.NDArrays.concat(levels, 2);
    }

    /**
     * @param pixels [B, 3, S, S] normalised images
     * @return [B, P, W] one token per patch in row-major order, before the class token and positions
     */
    NDArray patchEmbedding(ParameterStore ps, NDArray pixels, boolean training) {
        return embedding.tokens(pixels, p -> value(ps, p, training));
    }
}
