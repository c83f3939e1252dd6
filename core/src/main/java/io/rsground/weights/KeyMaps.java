package io.rsground.weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps the tensor names of the three weight namings onto rsground's canonical names, which are the reference
 * CLIP-VG {@code state_dict} keys. Tensors CLIP-VG never uses ({@code ln_post}, {@code proj}, {@code logit_scale},
 * the reference's dead {@code visu_proj}) are recognised and set aside, not reported as unexpected.
 */
public final class KeyMaps {
    private static final Pattern HF_LAYER = Pattern.compile(
            "(vision|text)_model\\.encoder\\.layers\\.(\\d+)\\.(.+)");
    private static final Map<String, String> HF_LAYER_PARTS = Map.of(
            "layer_norm1.weight", "ln_1.weight",
            "layer_norm1.bias", "ln_1.bias",
            "layer_norm2.weight", "ln_2.weight",
            "layer_norm2.bias", "ln_2.bias",
            "mlp.fc1.weight", "mlp.c_fc.weight",
            "mlp.fc1.bias", "mlp.c_fc.bias",
            "mlp.fc2.weight", "mlp.c_proj.weight",
            "mlp.fc2.bias", "mlp.c_proj.bias",
            "self_attn.out_proj.weight", "attn.out_proj.weight",
            "self_attn.out_proj.bias", "attn.out_proj.bias");
    private static final Map<String, String> HF_TOP = Map.of(
            "vision_model.embeddings.class_embedding", "clip.visual.class_embedding",
            "vision_model.embeddings.patch_embedding.weight", "clip.visual.conv1.weight",
            "vision_model.embeddings.position_embedding.weight", "clip.visual.positional_embedding",
            "vision_model.pre_layrnorm.weight", "clip.visual.ln_pre.weight",
            "vision_model.pre_layrnorm.bias", "clip.visual.ln_pre.bias",
            "text_model.embeddings.token_embedding.weight", "clip.token_embedding.weight",
            "text_model.embeddings.position_embedding.weight", "clip.positional_embedding",
            "text_model.final_layer_norm.weight", "clip.ln_final.weight",
            "text_model.final_layer_norm.bias", "clip.ln_final.bias");
    /** Canonical names of tensors that exist in CLIP / CLIP-VG files but take no part in grounding. */
    private static final Set<String> UNUSED_CANONICAL = Set.of(
            "clip.visual.proj", "clip.visual.ln_post.weight", "clip.visual.ln_post.bias", "clip.logit_scale",
            "visu_proj.weight", "visu_proj.bias", "clip.input_resolution", "clip.context_length", "clip.vocab_size");
    private static final Set<String> UNUSED_HF = Set.of(
            "logit_scale", "visual_projection.weight", "vision_model.post_layernorm.weight",
            "vision_model.post_layernorm.bias", "vision_model.embeddings.position_ids",
            "text_model.embeddings.position_ids");

    private KeyMaps() {
    }

    /**
     * Weights renamed to canonical names.
     *
     * @param naming the naming the source followed
     * @param tensors canonical name -> tensor, in source order
     * @param unexpected source names that map to nothing known
     * @param unused source names recognised as not used by CLIP-VG
     * @param incomplete canonical names that could not be assembled, with the reason (e.g. a missing k_proj)
     */
    public record Canonical(WeightNaming naming, LinkedHashMap<String, HostTensor> tensors, List<String> unexpected,
            List<String> unused, Map<String, String> incomplete) {
    }

    /**
     * @param raw tensors as read from a file
     * @return the tensors under canonical names
     */
    public static Canonical toCanonical(Map<String, HostTensor> raw) {
        Map<String, HostTensor> stripped = stripPrefix(raw, "module.");
        WeightNaming naming = WeightNaming.detect(stripped.keySet());
        return switch (naming) {
            case CLIP_VG -> fromClipVg(stripped);
            case OPENAI_CLIP -> fromOpenAi(stripped);
            case HUGGING_FACE -> fromHuggingFace(stripped);
        };
    }

    private static Map<String, HostTensor> stripPrefix(Map<String, HostTensor> raw, String prefix) {
        if (raw.isEmpty() || !raw.keySet().stream().allMatch(k -> k.startsWith(prefix))) {
            return raw;
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k.substring(prefix.length()), v));
        return out;
    }

    private static Canonical fromClipVg(Map<String, HostTensor> raw) {
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        List<String> unused = new ArrayList<>();
        Map<String, String> aliases = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : raw.entrySet()) {
            String key = e.getKey();
            // the reference module tree reaches the CLIP towers a second time under these names
            if (key.startsWith("image_encoder_clip_vg.")) {
                aliases.put(key, "clip.visual." + key.substring("image_encoder_clip_vg.".length()));
            } else if (key.startsWith("text_encoder_clip_vg.")) {
                aliases.put(key, "clip." + key.substring("text_encoder_clip_vg.".length()));
            } else if (UNUSED_CANONICAL.contains(key)) {
                unused.add(key);
            } else {
                out.put(key, e.getValue());
            }
        }
        aliases.forEach((alias, canonical) -> {
            if (UNUSED_CANONICAL.contains(canonical)) {
                unused.add(alias);
            } else if (!out.containsKey(canonical)) {
                out.put(canonical, raw.get(alias));
            }
        });
        return new Canonical(WeightNaming.CLIP_VG, out, unexpected, unused, Map.of());
    }

    private static Canonical fromOpenAi(Map<String, HostTensor> raw) {
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        List<String> unused = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : raw.entrySet()) {
            String canonical = "clip." + e.getKey();
            if (UNUSED_CANONICAL.contains(canonical)) {
                unused.add(e.getKey());
            } else {
                out.put(canonical, e.getValue());
            }
        }
        return new Canonical(WeightNaming.OPENAI_CLIP, out, new ArrayList<>(), unused, Map.of());
    }

    private static Canonical fromHuggingFace(Map<String, HostTensor> raw) {
        LinkedHashMap<String, HostTensor> out = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        List<String> unused = new ArrayList<>();
        Map<String, String> incomplete = new LinkedHashMap<>();
        // q, k, v of each layer, collected and fused into in_proj once all three are seen
        Map<String, HostTensor[]> qkv = new LinkedHashMap<>();
        for (Map.Entry<String, HostTensor> e : raw.entrySet()) {
            String key = e.getKey();
            if (UNUSED_HF.contains(key)) {
                unused.add(key);
                continue;
            }
            if (key.equals("text_projection.weight")) {
                out.put("clip.text_projection", transpose(e.getValue(), key));
                continue;
            }
            String top = HF_TOP.get(key);
            if (top != null) {
                out.put(top, e.getValue());
                continue;
            }
            Matcher m = HF_LAYER.matcher(key);
            if (!m.matches()) {
                unexpected.add(key);
                continue;
            }
            String tower = m.group(1).equals("vision") ? "clip.visual.transformer.resblocks." : "clip.transformer"
                    + ".resblocks.";
            String prefix = tower + m.group(2) + ".";
            String part = m.group(3);
            String mapped = HF_LAYER_PARTS.get(part);
            if (mapped != null) {
                out.put(prefix + mapped, e.getValue());
                continue;
            }
            Matcher p = Pattern.compile("self_attn\\.([qkv])_proj\\.(weight|bias)").matcher(part);
            if (!p.matches()) {
                unexpected.add(key);
                continue;
            }
            String fused = prefix + "attn.in_proj_" + p.group(2);
            int slot = "qkv".indexOf(p.group(1));
            qkv.computeIfAbsent(fused, f -> new HostTensor[3])[slot] = e.getValue();
            out.putIfAbsent(fused, null); // keeps the source order; filled below
        }
        fuseQkv(qkv, out, incomplete);
        return new Canonical(WeightNaming.HUGGING_FACE, out, unexpected, unused, incomplete);
    }

    /**
     * Fills each fused in_proj entry of {@code out} with its q, k and v stacked ({@link #concatRows}), or removes it
     * and records what it lacks.
     *
     * @param qkv fused name to its q, k, v parts ([D, ...] each, null where missing)
     * @param incomplete receives fused name to what is missing
     */
    private static void fuseQkv(Map<String, HostTensor[]> qkv, Map<String, HostTensor> out,
            Map<String, String> incomplete) {
        for (Map.Entry<String, HostTensor[]> e : qkv.entrySet()) {
            HostTensor[] parts = e.getValue();
            List<String> lacking = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                if (parts[i] == null) {
                    lacking.add("qkv".charAt(i) + "_proj");
                }
            }
            if (!lacking.isEmpty()) {
                out.remove(e.getKey());
                incomplete.put(e.getKey(), "Hugging Face weights lack " + String.join(", ", lacking));
                continue;
            }
            out.put(e.getKey(), concatRows(parts, e.getKey()));
        }
    }

    /** [R, C] -> [C, R]. */
    static HostTensor transpose(HostTensor t, String name) {
        long[] s = t.shape();
        if (s.length != 2 || !t.isFloat()) {
            throw new IllegalArgumentException(name + ": expected a 2-D float matrix, got " + t);
        }
        int rows = (int) s[0];
        int cols = (int) s[1];
        float[] src = t.floats();
        float[] dst = new float[src.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[c * rows + r] = src[r * cols + c];
            }
        }
        return HostTensor.ofFloats(new long[] {cols, rows}, dst);
    }

    /** Stacks q, k, v along the first axis: 3 x [D, ...] -> [3D, ...]. */
    static HostTensor concatRows(HostTensor[] parts, String name) {
        long[] shape = parts[0].shape();
        int total = 0;
        for (HostTensor p : parts) {
            long[] s = p.shape();
            if (!p.isFloat() || s.length != shape.length || (s.length == 2 && s[1] != shape[1])) {
                throw new IllegalArgumentException(name + ": q, k and v projections differ in shape: "
                        + parts[0].shapeString() + ", " + parts[1].shapeString() + ", " + parts[2].shapeString());
            }
            total += p.floats().length;
        }
        float[] out = new float[total];
        int at = 0;
        for (HostTensor p : parts) {
            System.arraycopy(p.floats(), 0, out, at, p.floats().length);
            at += p.floats().length;
        }
        long[] fused = shape.clone();
        fused[0] = 0;
        for (HostTensor p : parts) {
            fused[0] += p.shape()[0];
        }
        return HostTensor.ofFloats(fused, out);
    }
}
