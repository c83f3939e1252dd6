package io.rsground.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A CLIP-VG architecture, as data. JSON shape (the fixture's {@code model.json} is an instance):
 * <pre>{"vision": {"image_size", "patch_size", "width", "layers", "heads", "extract_layers": [..]},
 *  "text": {"context_length", "vocab_size", "width", "layers", "heads"}, "embed_dim",
 *  "fusion": {"hidden_dim", "heads", "ffn_dim", "layers", "dropout"}, "max_query_len", "quick_gelu",
 *  "presence_head"}</pre>
 * Read and write with {@link ModelConfigs}; every instance obtained there is validated.
 *
 * @param vision the image tower
 * @param text the text tower
 * @param embedDim CLIP's joint embedding width: the text tower projects every position to it
 * @param fusion the vision-language encoder
 * @param maxQueryLen text positions fed to the model (tokens are padded or truncated to it)
 * @param quickGelu the towers' activation: CLIP's QuickGELU {@code x * sigmoid(1.702 x)} (true, what OpenAI's
 *     weights were trained with; the default when a file leaves it out), or GELU (false, as open_clip's models
 *     trained from scratch: one fused operation forward and backward, which trains a small tower 15 % faster)
 * @param presenceHead whether the model has a presence head beside the box head: a score of how likely the
 *     referred object is in the image (false when a file leaves it out: CLIP-VG has none)
 */
@JsonPropertyOrder({"vision", "text", "embed_dim", "fusion", "max_query_len", "quick_gelu", "presence_head"})
public record ModelConfig(
        @JsonProperty("vision") VisionConfig vision,
        @JsonProperty("text") TextConfig text,
        @JsonProperty("embed_dim") int embedDim,
        @JsonProperty("fusion") FusionConfig fusion,
        @JsonProperty("max_query_len") int maxQueryLen,
        @JsonProperty("quick_gelu") boolean quickGelu,
        @JsonProperty("presence_head") boolean presenceHead) {

    /**
     * Checks every field.
     *
     * @return this
     * @throws ConfigException naming the first field that is wrong and its value
     */
    public ModelConfig validate() {
        Checks.required("vision", vision);
        Checks.required("text", text);
        Checks.required("fusion", fusion);
        vision.validate();
        text.validate();
        fusion.validate();
        Checks.positive("embed_dim", embedDim);
        Checks.positive("max_query_len", maxQueryLen);
        if (maxQueryLen > text.contextLength()) {
            throw new ConfigException("max_query_len " + maxQueryLen + " exceeds text.context_length "
                    + text.contextLength());
        }
        if (maxQueryLen < 2) {
            throw new ConfigException("max_query_len must hold at least the start and end tokens (2), got "
                    + maxQueryLen);
        }
        return this;
    }

    /** @return length of the fusion sequence: [REG] + text tokens + class token + patches */
    @JsonIgnore
    public int fusionSequenceLength() {
        return 1 + maxQueryLen + 1 + vision.numPatches();
    }

    /** @return a copy with another image tower */
    public ModelConfig withVision(VisionConfig newVision) {
        return new ModelConfig(newVision, text, embedDim, fusion, maxQueryLen, quickGelu, presenceHead).validate();
    }

    /** @return a copy with another text tower */
    public ModelConfig withText(TextConfig newText) {
        return new ModelConfig(vision, newText, embedDim, fusion, maxQueryLen, quickGelu, presenceHead).validate();
    }

    /** @return a copy with another vocabulary size */
    public ModelConfig withVocabSize(int vocabSize) {
        return withText(text.withVocabSize(vocabSize));
    }

    /** @return a copy with another fusion encoder */
    public ModelConfig withFusion(FusionConfig newFusion) {
        return new ModelConfig(vision, text, embedDim, newFusion, maxQueryLen, quickGelu, presenceHead).validate();
    }

    /** @return a copy with or without the presence head */
    public ModelConfig withPresenceHead(boolean head) {
        return new ModelConfig(vision, text, embedDim, fusion, maxQueryLen, quickGelu, head).validate();
    }

    /** @return a copy with another query length */
    public ModelConfig withMaxQueryLen(int newMaxQueryLen) {
        return new ModelConfig(vision, text, embedDim, fusion, newMaxQueryLen, quickGelu, presenceHead).validate();
    }
}
