package io.rsground.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.rsground.config.ModelConfig;

/**
 * CLIP-VG ({@code ML_CLIP_VG}): CLIP image and text towers, projections into the fusion width, a learned [REG]
 * token, a 6-layer vision-language encoder over [REG] + text + image tokens, and a box head on [REG]; optionally a
 * presence head on [REG] too ({@link ModelConfig#presenceHead()}), which CLIP-VG does not have.
 * Parameter names equal the reference {@code state_dict} keys (see {@link #namedParameters()}).
 *
 * <p>The pass is split so that callers can reuse work: {@link #encodeImage} once per image, {@link #encodeText}
 * once per query, {@link #fuse} per image-query pair.
 */
public final class ClipVgModel extends NamedBlock {
    private final ModelConfig config;
    private final ClipVisionTower vision;
    private final ClipTextTower text;
    private final Parameter mlVisuProjWeight;
    private final Parameter mlVisuProjBias;
    private final Parameter textProjWeight;
    private final Parameter textProjBias;
    private final Parameter regToken;
    private final Parameter vlPosEmbed;
    private final FusionEncoder fusion;
    private final BoxHead head;
    private final PresenceHead presence;

    /** Builds the (uninitialised) model; call {@link #initializeParameters} or load weights next. */
    public ClipVgModel(ModelConfig config) {
        this.config = config.validate();
        int hidden = config.fusion().hiddenDim();
        int visualIn = config.vision().multiLevelWidth();
        vision = child("clip.visual", new ClipVisionTower(config.vision(), config.quickGelu()));
        text = child("clip", new ClipTextTower(config.text(), config.embedDim(), config.quickGelu()));
        mlVisuProjWeight = param("ml_visu_proj.weight", TorchInit.linearDefault(visualIn), hidden, visualIn);
        mlVisuProjBias = param("ml_visu_proj.bias", TorchInit.linearDefault(visualIn), hidden);
        textProjWeight = param("text_proj.weight", TorchInit.linearDefault(config.embedDim()), hidden,
                config.embedDim());
        textProjBias = param("text_proj.bias", TorchInit.linearDefault(config.embedDim()), hidden);
        regToken = param("reg_token.weight", TorchInit.normal(1.0), 1, hidden);
        vlPosEmbed = param("vl_pos_embed.weight", TorchInit.normal(1.0), config.fusionSequenceLength(), hidden);
        fusion = child("vl_transformer.encoder", new FusionEncoder(config.fusion()));
        head = child("bbox_embed", new BoxHead(hidden));
        presence = config.presenceHead() ? child("presence_head", new PresenceHead(hidden)) : null;
    }

    /** @return the architecture */
    public ModelConfig config() {
        return config;
    }

    /**
     * Draws every parameter from the reference's initial distributions (uses the engine's random generator; seed it
     * with {@code Engine.getInstance().setRandomSeed} for reproducible models).
     */
    public void initializeParameters(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1));
    }

    /** @return true when the parameter belongs to one of the two CLIP towers */
    public static boolean isClipParameter(String name) {
        return name.startsWith("clip.");
    }

    /** @return true when the parameter belongs to the CLIP image tower */
    public static boolean isVisionParameter(String name) {
        return name.startsWith("clip.visual.");
    }

    /** @return the name of the visual positional embedding, trainable in the reference recipe with CLIP frozen */
    public static String visualPositionalEmbeddingName() {
        return "clip.visual.positional_embedding";
    }

    /** @return the number of scalars in all parameters */
    public long parameterCount() {
        long n = 0;
        for (Parameter p : namedParameters().values()) {
            n += p.getShape().size();
        }
        return n;
    }

    /**
     * @param pixels [B, 3, S, S] normalised, padded images
     * @return [B, 1 + P, W * n] multi-level visual features (before {@code ml_visu_proj})
     */
    public NDArray encodeImage(ParameterStore ps, NDArray pixels, boolean training) {
        return vision.forward(ps, pixels, training);
    }

    /**
     * @param tokens [B, L] int64 ids, L &lt;= max_query_len, 0 = padding
     * @return [B, L, E] text features at every position (after {@code ln_final} and {@code text_projection})
     */
    public NDArray encodeText(ParameterStore ps, NDArray tokens, boolean training) {
        return text.forward(ps, tokens, training);
    }

    /**
     * What a pass returns beyond the boxes (Hugging Face's {@code output_attentions}, DETR's
     * {@code return_intermediate}): inference asks for nothing and computes nothing more.
     */
    public enum Detail {
        /** Boxes and the [REG] output; the last fusion layer computes [REG] only. */
        BOXES,
        /** Also {@link Intermediates}; the last fusion layer still computes [REG] only. */
        INTERMEDIATES,
        /** {@link Intermediates} with the last fusion layer computed at every position. */
        INTERMEDIATES_FULL_SEQUENCE
    }

    /**
     * The vision-language encoder and the box head.
     *
     * @param visual [B, 1 + P, W * n] from {@link #encodeImage}, or [1, 1 + P, W * n] when all B queries ask
     *     about one image: then {@code ml_visu_proj} runs once and its output is broadcast
     * @param patchMask [B, P] float, 1 where a patch is padding (masked as a key), 0 on the image
     * @param textFeatures [B, L, E] from {@link #encodeText}; L may be shorter than max_query_len when only
     *     padding was cut off (the kept positions keep their own position embeddings)
     * @param tokens [B, L] the ids the text features came from (0 = padding, masked as a key)
     * @return boxes [B, 4] (cx, cy, w, h normalised to the padded square), presence logits [B] (with a presence
     *     head) and the [REG] output [B, H]
     */
    public Output fuse(ParameterStore ps, NDArray visual, NDArray patchMask, NDArray textFeatures, NDArray tokens,
            boolean training) {
        return fuse(ps, visual, patchMask, textFeatures, tokens, training, Detail.BOXES);
    }

    /**
     * As {@link #fuse(ParameterStore, NDArray, NDArray, NDArray, NDArray, boolean)}, with intermediate outputs
     * when {@code detail} asks for them.
     */
    public Output fuse(ParameterStore ps, NDArray visual, NDArray patchMask, NDArray textFeatures, NDArray tokens,
            boolean training, Detail detail) {
        long b = textFeatures.getShape().get(0);
        long length = textFeatures.getShape().get(1);
        int hidden = config.fusion().hiddenDim();
        NDArray v = Nn.linear(visual, value(ps, mlVisuProjWeight, training), value(ps, mlVisuProjBias, training));
        if (v.getShape().get(0) != b) {
            if (v.getShape().get(0) != 1) {
                throw new IllegalArgumentException("visual features " + visual.getShape() + " fit neither the "
                        + b + " text rows nor one shared image");
            }
            v = v.broadcast(b, v.getShape().get(1), hidden); // [1, 1 + P, H] -> [B, 1 + P, H]
        }
        NDArray t = Nn.linear(textFeatures, value(ps, textProjWeight, training), value(ps, textProjBias, training));
        NDArray reg = value(ps, regToken, training).reshape(1, 1, hidden).broadcast(b, 1, hidden);
        NDArray x = NDArrays.concat(new NDList(reg, t, v), 1); // [B, 1 + L + 1 + P, H]
        NDArray pos = positions(ps, length, training);
        NDArray keyMask = keyMask(tokens, patchMask, b);
        if (detail == Detail.BOXES) {
            NDArray regOut = fusion.forward(ps, x, pos, keyMask, training, false).get(":, 0, :"); // [B, H]
            return new Output(head.forward(ps, regOut, training), presence(ps, regOut, training), regOut, null);
        }
        FusionEncoder.Layers layers = fusion.forwardTraced(ps, x, pos, keyMask, training,
                detail == Detail.INTERMEDIATES_FULL_SEQUENCE);
        NDArray regOut = layers.last().get(":, 0, :"); // [B, H]
        return new Output(head.forward(ps, regOut, training), presence(ps, regOut, training), regOut,
                new Intermediates(layers, x, visual));
    }

    /** @return [B] presence logits, or null when the model has no presence head */
    private NDArray presence(ParameterStore ps, NDArray regOut, boolean training) {
        return presence == null ? null : presence.forward(ps, regOut, training);
    }

    /** @return [1, 1 + L + 1 + P, H] the fusion position embeddings, the text part cut to the L kept tokens */
    private NDArray positions(ParameterStore ps, long length, boolean training) {
        NDArray pos = value(ps, vlPosEmbed, training);
        if (length < config.maxQueryLen()) {
            pos = NDArrays.concat(new NDList(pos.get("0:" + (1 + length)), pos.get((1 + config.maxQueryLen()) + ":")),
                    0);
        }
        return pos.expandDims(0);
    }

    /**
     * @param tokens [B, L] ids, 0 = padding
     * @param patchMask [B, P] 1 = padded patch
     * @return [B, 1, 1, 1 + L + 1 + P] additive key mask: {@link Nn#MASKED} on text and patch padding, 0 elsewhere
     */
    private static NDArray keyMask(NDArray tokens, NDArray patchMask, long b) {
        NDArray zero = tokens.getManager().zeros(new Shape(b, 1));
        NDArray textPad = tokens.eq(0).toType(DataType.FLOAT32, false);
        return NDArrays.concat(new NDList(zero, textPad, zero, patchMask.toType(DataType.FLOAT32, false)), 1)
                .mul(Nn.MASKED).reshape(b, 1, 1, -1);
    }

    /**
     * The boxes the model would give had [REG] looked, in the last fusion layer, where {@code weights} say (same
     * weights in every head); everything else as in the pass {@code out} came from.
     *
     * @param out a pass of {@link #fuse} with intermediates
     * @param weights [B, L] attention over the last layer's keys ([REG], text, class token, patches), rows summing
     *     to 1; or [B, K, L] for K readings per sample
     * @return [B, 4] (or [B, K, 4]) cx, cy, w, h normalised to the padded square
     */
    public NDArray boxesAttending(ParameterStore ps, Output out, NDArray weights, boolean training) {
        return head.forward(ps, fusion.readWith(ps, out.intermediates().layers(), weights, training), training);
    }

    /**
     * The whole pass.
     *
     * @param pixels [B, 3, S, S] normalised, padded images
     * @param patchMask [B, P] 1 = padded patch
     * @param tokens [B, L] int64 ids
     * @return boxes [B, 4] cx,cy,w,h normalised, and the [REG] output
     */
    public Output forward(ParameterStore ps, NDArray pixels, NDArray patchMask, NDArray tokens, boolean training) {
        return forward(ps, pixels, patchMask, tokens, training, Detail.BOXES);
    }

    /** The whole pass, with intermediate outputs when {@code detail} asks for them. */
    public Output forward(ParameterStore ps, NDArray pixels, NDArray patchMask, NDArray tokens, boolean training,
            Detail detail) {
        NDArray visual = encodeImage(ps, pixels, training);
        NDArray textFeatures = encodeText(ps, tokens, training);
        return fuse(ps, visual, patchMask, textFeatures, tokens, training, detail);
    }

    /**
     * What the model returns.
     *
     * @param boxes [B, 4] cx, cy, w, h normalised to the padded input square
     * @param presenceLogits [B] logits of the referred object being in the image, or null without a presence head
     * @param regOutput [B, H] the fusion encoder's output at [REG]
     * @param intermediates what training objectives read of the pass, or null when not asked for
     */
    public record Output(NDArray boxes, NDArray presenceLogits, NDArray regOutput, Intermediates intermediates) {
    }

    /**
     * The pass's intermediate outputs, for training-time objectives.
     *
     * @param layers every fusion layer's output (the last one [B, 1, H] unless the full sequence was asked for),
     *     the last layer's [REG] attention weights [B, heads, 1 + L + 1 + P], its input and values
     * @param inputs [B, 1 + L + 1 + P, H] the fusion encoder's input before the position embeddings: [REG], the
     *     projected text features, the projected class token and patches
     * @param visual [B, 1 + P, W * n] the multi-level visual features the pass started from
     */
    public record Intermediates(FusionEncoder.Layers layers, NDArray inputs, NDArray visual) {
    }
}
