package io.rsground.text;

import java.util.List;

/**
 * Turns a query into the fixed-length row of token ids that the text tower consumes:
 * {@code [SOT] + tokens + [EOT]}, zero padded to the context length.
 *
 * <p>The model derives its text mask as {@code id > 0}, exactly as the reference does. For CLIP BPE
 * id 0 is also the byte token {@code "!"} (not at a word end), so such a token is masked like
 * padding; that is reference behaviour, kept on purpose so that ids and masks match the weights
 * the model was trained with. The word-level tokenizer reserves 0 for padding, so it has no such
 * case.
 *
 * <p>Implementations are immutable and safe to share between threads.
 */
public interface Tokenizer {

    /**
     * Encodes one query.
     *
     * @param text the query, any Unicode text (cleaned as the tokenizer's kind requires)
     * @param contextLength the row length, at least 2 (77 for CLIP)
     * @return [contextLength] ids: {@code SOT, tokens..., EOT, 0, 0, ...}; when the tokens do not fit,
     *     the first {@code contextLength - 1} ids are kept and the last id is EOT (the reference raises
     *     an error instead)
     * @throws IllegalArgumentException when contextLength is below 2
     */
    long[] encode(String text, int contextLength);

    /**
     * Encodes several queries into one row-major block, ready for an int64 tensor.
     *
     * @param texts the queries, B of them
     * @param contextLength the row length, at least 2
     * @return [B * contextLength] ids, row b at {@code [b * contextLength, (b + 1) * contextLength)},
     *     each row as {@link #encode(String, int)} gives it
     */
    default long[] encodeBatch(List<String> texts, int contextLength) {
        TokenRows.checkContextLength(contextLength);
        long[] out = new long[Math.multiplyExact(texts.size(), contextLength)];
        for (int b = 0; b < texts.size(); b++) {
            System.arraycopy(encode(texts.get(b), contextLength), 0, out, b * contextLength, contextLength);
        }
        return out;
    }

    /**
     * @param text the query
     * @return the number of ids the query needs, SOT and EOT included, before any truncation (so a
     *     value above the context length means {@link #encode} truncates)
     */
    int countTokens(String text);

    /** @return the number of distinct ids, i.e. every id is in {@code [0, vocabSize())} */
    int vocabSize();

    /** @return the id that starts every row */
    long sotId();

    /** @return the id that ends the tokens of every row */
    long eotId();

    /** @return what is needed to rebuild this tokenizer, for a checkpoint (see {@link Tokenizers#fromSpec}) */
    TokenizerSpec describe();
}
