package io.rsground.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The CLIP text tower (causal transformer).
 *
 * @param contextLength positions of the positional embedding (77 for CLIP)
 * @param vocabSize rows of the token embedding (49,408 for CLIP BPE)
 * @param width token width
 * @param layers residual attention blocks
 * @param heads attention heads
 */
public record TextConfig(
        @JsonProperty("context_length") int contextLength,
        @JsonProperty("vocab_size") int vocabSize,
        @JsonProperty("width") int width,
        @JsonProperty("layers") int layers,
        @JsonProperty("heads") int heads) {

    void validate() {
        Checks.positive("text.context_length", contextLength);
        Checks.positive("text.vocab_size", vocabSize);
        Checks.positive("text.width", width);
        Checks.positive("text.layers", layers);
        Checks.positive("text.heads", heads);
        Checks.divisible("text.width", width, "text.heads", heads);
    }

    /** @return a copy with another vocabulary size (a word-level tokenizer sets its own) */
    public TextConfig withVocabSize(int newVocabSize) {
        return new TextConfig(contextLength, newVocabSize, width, layers, heads);
    }
}
