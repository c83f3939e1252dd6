package io.rsground.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The vision-language fusion encoder (DETR post-norm encoder layers).
 *
 * @param hiddenDim token width inside the fusion encoder
 * @param heads attention heads
 * @param ffnDim feed-forward width
 * @param layers encoder layers
 * @param dropout dropout rate used in training (attention weights, residual branches, feed-forward)
 */
public record FusionConfig(
        @JsonProperty("hidden_dim") int hiddenDim,
        @JsonProperty("heads") int heads,
        @JsonProperty("ffn_dim") int ffnDim,
        @JsonProperty("layers") int layers,
        @JsonProperty("dropout") double dropout) {

    void validate() {
        Checks.positive("fusion.hidden_dim", hiddenDim);
        Checks.positive("fusion.heads", heads);
        Checks.positive("fusion.ffn_dim", ffnDim);
        Checks.positive("fusion.layers", layers);
        Checks.divisible("fusion.hidden_dim", hiddenDim, "fusion.heads", heads);
        if (!(dropout >= 0 && dropout < 1)) {
            throw new ConfigException("fusion.dropout must lie in [0, 1), got " + dropout);
        }
    }
}
