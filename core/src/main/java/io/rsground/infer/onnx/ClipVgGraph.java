package io.rsground.infer.onnx;

import io.rsground.config.FusionConfig;
import io.rsground.config.ModelConfig;
import io.rsground.config.TextConfig;
import io.rsground.config.VisionConfig;
import io.rsground.infer.onnx.OnnxProto.Attribute;
import io.rsground.model.Nn;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP-VG's whole forward pass as one ONNX graph, op for op what {@code ClipVgModel.forward} computes (the image
 * tower with its patch projection or convolutional stem, the causal text tower, the patch mask the reference
 * derives from the pixel mask, the fusion encoder, the box head and the presence head). The graph's interface is
 * described in {@link OnnxExporter}.
 */
final class ClipVgGraph {
    /** Symbolic size of the batch axis. */
    static final String BATCH = "batch";
    /** Symbolic size of the images' batch axis: B, or 1 for one image that all B query rows share. */
    static final String IMAGE_BATCH = "image_batch";
    /** Symbolic size of the token axis. */
    static final String LENGTH = "length";
    /** The image tower's output projected to the fusion width, where {@link #imageTowerGraph()} ends. */
    static final String VISUAL_FEATURES = "visual_features";
    /** The patch mask, 1 on padded patches, the image tower graph's second output. */
    static final String PATCH_MASKS = "patch_masks";

    private final ModelConfig config;
    private final GraphBuilder g;
    private final OnnxLayers nn;

    ClipVgGraph(ModelConfig config, OnnxLayers.Weights weights, OnnxExporter.Precision precision) {
        this.config = config;
        this.g = new GraphBuilder();
        this.nn = new OnnxLayers(g, weights, precision);
    }

    /** @return the graph: inputs images, pixel_masks, tokens, text_masks; outputs pred_boxes (and scores) */
    OnnxProto.Graph build() {
        long s = config.vision().imageSize();
        String images = g.input(OnnxExporter.IMAGES, OnnxProto.FLOAT, IMAGE_BATCH, 3L, s, s);
        String pixelMasks = g.input(OnnxExporter.PIXEL_MASKS, OnnxProto.UINT8, IMAGE_BATCH, s, s);
        String tokens = g.input(OnnxExporter.TOKENS, OnnxProto.INT64, BATCH, LENGTH);
        String textMasks = g.input(OnnxExporter.TEXT_MASKS, OnnxProto.INT64, BATCH, LENGTH);
        String[] image = imageFeatures(images, pixelMasks);
        queryOutputs(image[0], image[1], tokens, textMasks);
        return g.build("clip_vg");
    }

    /**
     * The first half of {@link #build()}, what a feature cache keeps per image: inputs images, pixel_masks; outputs
     * {@value #VISUAL_FEATURES} float [IB, 1 + P, H] (the image tower's output projected to the fusion width) and
     * {@value #PATCH_MASKS} float [IB, P] (1 on padded patches).
     */
    OnnxProto.Graph imageTowerGraph() {
        long s = config.vision().imageSize();
        String images = g.input(OnnxExporter.IMAGES, OnnxProto.FLOAT, IMAGE_BATCH, 3L, s, s);
        String pixelMasks = g.input(OnnxExporter.PIXEL_MASKS, OnnxProto.UINT8, IMAGE_BATCH, s, s);
        String[] image = imageFeatures(images, pixelMasks);
        long p = config.vision().numPatches();
        g.output(image[0], VISUAL_FEATURES, OnnxProto.FLOAT, IMAGE_BATCH, 1 + p, (long) config.fusion().hiddenDim());
        g.output(image[1], PATCH_MASKS, OnnxProto.FLOAT, IMAGE_BATCH, p);
        g.scope("");
        return g.build("clip_vg_image_tower");
    }

    /**
     * The second half of {@link #build()}: inputs {@value #VISUAL_FEATURES} [IB, 1 + P, H] and {@value #PATCH_MASKS}
     * [IB, P] as {@link #imageTowerGraph()} gives them (IB = 1 for one image all rows ask about), tokens,
     * text_masks; outputs pred_boxes (and scores) as the whole graph's.
     */
    OnnxProto.Graph queryGraph() {
        long p = config.vision().numPatches();
        String visual = g.input(VISUAL_FEATURES, OnnxProto.FLOAT, IMAGE_BATCH, 1 + p,
                (long) config.fusion().hiddenDim());
        String patchMask = g.input(PATCH_MASKS, OnnxProto.FLOAT, IMAGE_BATCH, p);
        String tokens = g.input(OnnxExporter.TOKENS, OnnxProto.INT64, BATCH, LENGTH);
        String textMasks = g.input(OnnxExporter.TEXT_MASKS, OnnxProto.INT64, BATCH, LENGTH);
        queryOutputs(visual, patchMask, tokens, textMasks);
        return g.build("clip_vg_queries");
    }

    /**
     * @param images [IB, 3, S, S]
     * @param pixelMasks [IB, S, S] uint8
     * @return the visual features [IB, 1 + P, H] (projected to the fusion width) and the patch mask [IB, P]
     */
    private String[] imageFeatures(String images, String pixelMasks) {
        g.scope("clip.visual");
        String visual = vision(images);
        g.scope("masks");
        String patchMask = patchMask(pixelMasks);
        g.scope("vl_transformer");
        return new String[] {nn.linear(visual, "ml_visu_proj"), patchMask};
    }

    /** The text tower, the masks, the fusion encoder and the heads, declared as the graph's outputs. */
    private void queryOutputs(String visual, String patchMask, String tokens, String textMasks) {
        g.scope("clip.text");
        String text = text(tokens);
        g.scope("masks");
        // one image shared by all query rows is encoded once, then broadcast as ClipVgModel.fuse does
        String keyMask = keyMask(textMasks, g.op("Expand", patchMask, batchShape(tokens, 1)));
        g.scope("vl_transformer");
        String reg = fusion(visual, text, tokens, keyMask);
        g.scope("bbox_embed");
        String boxes = reg;
        for (int i = 0; i < 3; i++) {
            boxes = nn.linear(boxes, "bbox_embed.layers." + i);
            boxes = i < 2 ? g.op("Relu", boxes) : g.op("Sigmoid", boxes);
        }
        g.output(boxes, OnnxExporter.PRED_BOXES, OnnxProto.FLOAT, BATCH, 4L);
        if (config.presenceHead()) {
            g.scope("presence_head");
            String hidden = g.op("Relu", nn.linear(reg, "presence_head.layers.0"));
            String logit = g.reshape(nn.linear(hidden, "presence_head.layers.1"), -1); // [B, 1] -> [B]
            g.output(g.op("Sigmoid", logit), OnnxExporter.SCORES, OnnxProto.FLOAT, BATCH);
        }
        g.scope("");
    }

    /**
     * A graph of the patch mask alone (input {@code pixel_masks} uint8 [B, S, S], output {@code patch_masks} float
     * [B, P]), to check it against {@code EvalTransform.patchMask}.
     */
    OnnxProto.Graph patchMaskGraph() {
        long s = config.vision().imageSize();
        String pixelMasks = g.input(OnnxExporter.PIXEL_MASKS, OnnxProto.UINT8, BATCH, s, s);
        g.output(patchMask(pixelMasks), PATCH_MASKS, OnnxProto.FLOAT, BATCH, (long) config.vision().numPatches());
        return g.build("patch_mask");
    }

    /** @return [n] int64: {@code x}'s size at the batch axis followed by {@code rest} */
    private String batchShape(String x, long... rest) {
        return g.concat(0, g.shape(x, 0, 1), g.longs(rest));
    }

    /**
     * @param images [B, 3, S, S]
     * @return [B, 1 + P, W * n] the extract layers' outputs concatenated, as {@code ClipVisionTower.forward}
     */
    private String vision(String images) {
        VisionConfig v = config.vision();
        long w = v.width();
        String p = "clip.visual.";
        String tokens = v.convStem().isEmpty() ? patchProjection(images) : convStem(images); // [B, P, W]
        String cls = g.op("Expand", nn.paramAs(p + "class_embedding", "[1,1,W]", 1, 1, w),
                batchShape(images, 1, w));
        String x = g.add(g.concat(1, cls, tokens), nn.param(p + "positional_embedding"));
        x = nn.layerNorm(x, p + "ln_pre");
        List<Integer> extract = v.extractLayers();
        List<String> levels = new ArrayList<>();
        for (int i = 0; i <= extract.get(extract.size() - 1); i++) {
            x = nn.residualBlock(x, p + "transformer.resblocks." + i, v.heads(), w, null, config.quickGelu());
            if (extract.contains(i)) {
                levels.add(x);
            }
        }
        return levels.size() == 1 ? levels.get(0) : g.concat(2, levels.toArray(String[]::new));
    }

    /** CLIP's stride-p convolution without bias: [B, 3, S, S] -> [B, P, W]. */
    private String patchProjection(String images) {
        VisionConfig v = config.vision();
        long patch = v.patchSize();
        String conv = g.op("Conv", List.of(Attribute.ints("kernel_shape", patch, patch),
                Attribute.ints("strides", patch, patch)), images, nn.param("clip.visual.conv1.weight"));
        return g.transpose(g.reshape(conv, 0, v.width(), v.numPatches()), 0, 2, 1);
    }

    /** 3x3 stride-2 convolutions with GELU, then a linear map to the width: [B, 3, S, S] -> [B, P, W]. */
    private String convStem(String images) {
        VisionConfig v = config.vision();
        String x = images;
        for (int i = 0; i < v.convStem().size(); i++) {
            String p = "clip.visual.conv_stem." + i;
            x = nn.gelu(g.op("Conv", List.of(Attribute.ints("kernel_shape", 3, 3), Attribute.ints("strides", 2, 2),
                    Attribute.ints("pads", 1, 1, 1, 1)), x, nn.param(p + ".weight"), nn.param(p + ".bias")));
        }
        long channels = v.convStem().get(v.convStem().size() - 1);
        String positions = g.transpose(g.reshape(x, 0, channels, v.numPatches()), 0, 2, 1);
        return nn.linear(positions, "clip.visual.conv_stem.proj.weight", null);
    }

    /**
     * @param tokens [B, L] int64, L at most the context length
     * @return [B, L, E] after ln_final and text_projection, as {@code ClipTextTower.forward}
     */
    private String text(String tokens) {
        TextConfig t = config.text();
        long c = t.contextLength();
        String length = g.shape(tokens, 1, 2); // [1] = L
        String x = g.gather(nn.param("clip.token_embedding.weight"), tokens, 0);
        String zero = g.longs(0);
        x = g.add(x, g.slice(nn.param("clip.positional_embedding"), zero, length, 0));
        float[] causal = new float[(int) (c * c)];
        for (int i = 0; i < c; i++) {
            for (int j = i + 1; j < c; j++) {
                causal[(int) (i * c + j)] = Nn.MASKED;
            }
        }
        String full = g.floats("causal_mask", new long[] {c, c}, causal);
        String mask = g.slice(full, g.longs(0, 0), g.concat(0, length, length), 0, 1); // [L, L]
        for (int i = 0; i < t.layers(); i++) {
            x = nn.residualBlock(x, "clip.transformer.resblocks." + i, t.heads(), t.width(), mask, config.quickGelu());
        }
        return g.matMul(nn.layerNorm(x, "clip.ln_final"), nn.param("clip.text_projection"));
    }

    /**
     * The reference's patch mask: the pixel mask resized to the patch grid, bilinear without antialiasing
     * (align_corners false), rounded half to even, as {@code EvalTransform.patchMask} computes it: the sampling
     * positions and weights are fixed by the image and patch sizes, so they become constants here.
     *
     * @param pixelMasks [B, S, S] uint8, nonzero on the padding
     * @return [B, P] float, 1 on padded patches
     */
    private String patchMask(String pixelMasks) {
        VisionConfig v = config.vision();
        int size = v.imageSize();
        int n = size / v.patchSize();
        float scale = (float) size / n;
        long[] index0 = new long[n];
        long[] index1 = new long[n];
        float[] weight0 = new float[n];
        float[] weight1 = new float[n];
        for (int i = 0; i < n; i++) {
            float real = Math.max(0f, scale * (i + 0.5f) - 0.5f);
            int i0 = Math.min((int) Math.floor(real), size - 1);
            float lambda = Math.min(Math.max(real - i0, 0f), 1f);
            index0[i] = i0;
            index1[i] = i0 < size - 1 ? i0 + 1 : i0;
            weight0[i] = 1f - lambda;
            weight1[i] = lambda;
        }
        String m = g.cast(g.cast(pixelMasks, OnnxProto.BOOL), OnnxProto.FLOAT); // nonzero -> 1
        String i0 = g.longs(index0);
        String i1 = g.longs(index1);
        String w0 = g.floats("patch_mask.w0", new long[] {n}, weight0);
        String w1 = g.floats("patch_mask.w1", new long[] {n}, weight1);
        // along x first, then along y, in the order the Java transform sums
        String cols = g.add(g.mul(g.gather(m, i0, 2), w0), g.mul(g.gather(m, i1, 2), w1)); // [B, S, n]
        String w0y = g.reshape(w0, n, 1);
        String w1y = g.reshape(w1, n, 1);
        String grid = g.add(g.mul(g.gather(cols, i0, 1), w0y), g.mul(g.gather(cols, i1, 1), w1y)); // [B, n, n]
        return g.reshape(g.op("Round", grid), 0, (long) n * n);
    }

    /**
     * @param textMasks [B, L] int64, 1 on real tokens
     * @param patchMask [B, P] float, 1 on padded patches
     * @return [B, 1, 1, 1 + L + 1 + P] additive: {@link Nn#MASKED} on text padding and padded patches, 0 on [REG],
     *     the class token and everything else (as {@code ClipVgModel.keyMask})
     */
    private String keyMask(String textMasks, String patchMask) {
        String textPad = g.cast(g.op("Equal", textMasks, g.initializer(OnnxProto.Tensor.longs("zero_i64",
                new long[0], new long[] {0}))), OnnxProto.FLOAT);
        String front = g.longs(0, 1, 0, 0); // one 0 before each row: [REG], and the class token
        String mask = g.concat(1, g.op("Pad", textPad, front), g.op("Pad", patchMask, front));
        return g.reshape(g.mul(mask, g.scalar(Nn.MASKED)), 0, 1, 1, -1);
    }

    /**
     * The projections, [REG], the position embeddings and the encoder layers, as {@code ClipVgModel.fuse}; the last
     * layer computes [REG] only.
     *
     * @param visual [B, 1 + P, H] projected by ml_visu_proj, or [1, 1 + P, H] shared by the B rows
     * @param text [B, L, E]
     * @param tokens [B, L] (for L)
     * @param keyMask [B, 1, 1, 1 + L + 1 + P]
     * @return [B, H] the encoder's output at [REG]
     */
    private String fusion(String visual, String text, String tokens, String keyMask) {
        FusionConfig f = config.fusion();
        long h = f.hiddenDim();
        String v = g.op("Expand", visual, batchShape(text, 1, 1)); // [1 or B, 1 + P, H] -> [B, 1 + P, H]
        String t = nn.linear(text, "text_proj");
        String reg = g.op("Expand", nn.paramAs("reg_token.weight", "[1,1,H]", 1, 1, h), batchShape(text, 1, h));
        String x = g.concat(1, reg, t, v);
        // [REG] and the L kept text positions keep their own embeddings; the visual ones follow max_query_len's
        String pos = nn.param("vl_pos_embed.weight");
        String head = g.slice(pos, g.longs(0), g.add(g.shape(tokens, 1, 2), g.longs(1)), 0);
        String tail = g.slice(pos, g.longs(1 + config.maxQueryLen()), g.longs(config.fusionSequenceLength()), 0);
        pos = g.concat(0, head, tail); // [1 + L + 1 + P, H], broadcast over B
        for (int i = 0; i < f.layers(); i++) {
            g.scope("vl_transformer.encoder.layers." + i);
            x = fusionLayer(x, pos, keyMask, "vl_transformer.encoder.layers." + i, i == f.layers() - 1);
        }
        return g.reshape(x, 0, h); // [B, 1, H] -> [B, H]
    }

    /** One post-norm DETR encoder layer ({@code FusionLayer}): [B, N, H] -> [B, N, H], or [B, 1, H] when firstOnly. */
    private String fusionLayer(String x, String pos, String keyMask, String p, boolean firstOnly) {
        long h = config.fusion().hiddenDim();
        String w = p + ".self_attn.in_proj_weight";
        String b = p + ".self_attn.in_proj_bias";
        String xp = g.add(x, pos);
        String queries = xp;
        String residual = x;
        if (firstOnly) { // only [REG]'s query, residual and feed-forward: the box head reads nothing else
            String first = g.longs(0);
            String second = g.longs(1);
            queries = g.slice(xp, first, second, 1);
            residual = g.slice(x, first, second, 1);
        }
        String q = nn.linearRows(queries, w, b, 0, h);
        String k = nn.linearRows(xp, w, b, h, 2 * h);
        String v = nn.linearRows(x, w, b, 2 * h, 3 * h);
        String attended = nn.attention(q, k, v, config.fusion().heads(), h, keyMask);
        String y = nn.layerNorm(g.add(residual, nn.linear(attended, p + ".self_attn.out_proj")), p + ".norm1");
        String ff = nn.linear(g.op("Relu", nn.linear(y, p + ".linear1")), p + ".linear2");
        return nn.layerNorm(g.add(y, ff), p + ".norm2");
    }
}
