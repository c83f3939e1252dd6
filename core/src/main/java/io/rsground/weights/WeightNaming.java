package io.rsground.weights;

import java.util.Collection;

/** The naming schemes of the weight files people have. */
public enum WeightNaming {
    /** The reference CLIP-VG {@code state_dict} ({@code clip.visual.*}, {@code vl_transformer.*}, ...); also rsground's own. */
    CLIP_VG,
    /** OpenAI CLIP / OpenCLIP: {@code visual.*}, {@code transformer.*}, {@code token_embedding.weight}, ... */
    OPENAI_CLIP,
    /** Hugging Face {@code CLIPModel}: {@code vision_model.*}, {@code text_model.*}, separate q/k/v projections. */
    HUGGING_FACE;

    /**
     * @param keys the tensor names of a file (after stripping a DataParallel {@code module.} prefix)
     * @return the scheme those names follow
     * @throws IllegalArgumentException when no scheme fits, naming a few of the keys
     */
    public static WeightNaming detect(Collection<String> keys) {
        boolean hf = false;
        boolean openai = false;
        for (String k : keys) {
            if (k.startsWith("clip.") || k.startsWith("vl_transformer.") || k.startsWith("image_encoder_clip_vg.")
                    || k.startsWith("bbox_embed.")) {
                return CLIP_VG;
            }
            hf |= k.startsWith("vision_model.") || k.startsWith("text_model.");
            openai |= k.startsWith("visual.") || k.equals("token_embedding.weight") || k.startsWith("transformer.");
        }
        if (hf) {
            return HUGGING_FACE;
        }
        if (openai) {
            return OPENAI_CLIP;
        }
        throw new IllegalArgumentException("cannot tell the naming of these weights (neither CLIP-VG 'clip.*', "
                + "OpenAI/OpenCLIP 'visual.*' nor Hugging Face 'vision_model.*'); first keys: "
                + keys.stream().limit(5).toList());
    }
}
