package io.rsground.infer;

import io.rsground.text.TokenRows;
import io.rsground.text.Tokenizer;
import java.util.List;

/**
 * Queries tokenised into one [Q, L] id block, cut after the last real token of the longest query.
 *
 * @param ids [Q, length] row-major int64 ids, 0 = padding
 * @param length columns kept, at most the model's max_query_len
 */
public record TokenBatch(long[] ids, int length) {

    /**
     * @param tokenizer the model's tokenizer
     * @param queries the queries
     * @param maxLength the model's max_query_len
     * @return the trimmed id block
     */
    public static TokenBatch of(Tokenizer tokenizer, List<String> queries, int maxLength) {
        long[][] rows = new long[queries.size()][];
        int used = 1;
        for (int i = 0; i < rows.length; i++) {
            rows[i] = tokenizer.encode(queries.get(i), maxLength);
            used = Math.max(used, TokenRows.usedLength(rows[i]));
        }
        long[] ids = new long[rows.length * used];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, ids, i * used, used);
        }
        return new TokenBatch(ids, used);
    }

}
