package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
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
    /** CLIP's patch projection, {@code null} with a convolutional stem. */
    private final Parameter conv1Weight;
    private final List<Parameter> stemWeights = new ArrayList<>();
    private final List<Parameter> stemBiases = new ArrayList<>();
    /** [W, C] the stem's last channels to the token width, {@code null} without a stem. */
    private final Parameter stemProjection;
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
        long p = config.patchSize();
        double scale = Math.pow(w, -0.5);
        if (config.convStem().isEmpty()) {
            conv1Weight = param("conv1.weight", TorchInit.linearDefault(3 * p * p), w, 3, p, p);
            stemProjection = null;
        } else {
            conv1Weight = null;
            long in = 3;
            for (int i = 0; i < config.convStem().size(); i++) {
                long out = config.convStem().get(i);
                // He initialisation: each convolution is followed by a GELU and no norm until ln_pre
                stemWeights.add(param("conv_stem." + i + ".weight", TorchInit.normal(Math.sqrt(2.0 / (9 * in))),
                        out, in, 3, 3));
                stemBiases.add(param("conv_stem." + i + ".bias", TorchInit.zeros(), out));
                in = out;
            }
            stemProjection = param("conv_stem.proj.weight", TorchInit.linearDefault(in), w, in);
        }
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
        return conv1Weight != null ? patchTokens(ps, pixels, training) : stemTokens(ps, pixels, training);
    }

    /**
     * CLIP's patch projection. A stride-p convolution without bias is a linear map of each flattened patch.
     *
     * @param pixels [B, 3, S, S]
     * @return [B, P, W] one token per patch, row-major
     */
    private NDArray patchTokens(ParameterStore ps, NDArray pixels, boolean training) {
        long b = pixels.getShape().get(0);
        long g = config.gridSize();
        long p = config.patchSize();
        // [B, 3, G, p, G, p] -> [B, G, G, 3, p, p] -> [B, P, 3*p*p]
        NDArray patches = pixels.reshape(b, 3, g, p, g, p).transpose(0, 2, 4, 1, 3, 5).reshape(b, g * g, 3 * p * p);
        NDArray kernel = value(ps, conv1Weight, training).reshape(config.width(), 3 * p * p);
        return Nn.linear(patches, kernel, null);
    }

    /**
     * The convolutional stem: 3x3 stride-2 convolutions (padding 1) with GELU, then a linear map of each position to
     * the token width. Its receptive fields overlap the patch borders, where a box's edges often lie.
     *
     * @param pixels [B, 3, S, S]
     * @return [B, P, W] one token per patch, row-major
     */
    private NDArray stemTokens(ParameterStore ps, NDArray pixels, boolean training) {
        long b = pixels.getShape().get(0);
        long g = config.gridSize();
        Shape stride = new Shape(2, 2);
        Shape padding = new Shape(1, 1);
        NDArray x = pixels;
        for (int i = 0; i < stemWeights.size(); i++) {
            x = Conv2d.conv2d(x, value(ps, stemWeights.get(i), training), value(ps, stemBiases.get(i), training),
                    stride, padding).singletonOrThrow();
            x = Activation.gelu(x);
        }
        long channels = x.getShape().get(1);
        // [B, C, G, G] -> [B, P, C]
        NDArray positions = x.reshape(b, channels, g * g).transpose(0, 2, 1);
        return Nn.linear(positions, value(ps, stemProjection, training), null);
    }

}
