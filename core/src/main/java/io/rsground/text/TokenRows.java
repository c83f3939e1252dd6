package io.rsground.text;

/** Lays out id rows the way every {@link Tokenizer} returns them, and measures them. */
public final class TokenRows {
    private TokenRows() {
    }

    /**
     * Lays out {@code [SOT] + tokens + [EOT]} in a zero row; when it does not fit, keeps the first
     * {@code contextLength - 1} ids and ends with EOT.
     *
     * @param sot the start id
     * @param tokens the token ids, without SOT and EOT
     * @param count how many entries of {@code tokens} are used
     * @param eot the end id
     * @param contextLength the row length, at least 2
     * @return [contextLength] ids
     */
    static long[] layout(long sot, int[] tokens, int count, long eot, int contextLength) {
        checkContextLength(contextLength);
        long[] row = new long[contextLength];
        row[0] = sot;
        int kept = Math.min(count, contextLength - 2);
        for (int i = 0; i < kept; i++) {
            row[1 + i] = tokens[i];
        }
        row[1 + kept] = eot;
        return row;
    }

    /**
     * @param contextLength a requested row length
     * @throws IllegalArgumentException when it cannot hold SOT and EOT
     */
    static void checkContextLength(int contextLength) {
        if (contextLength < 2) {
            throw new IllegalArgumentException(
                    "context length " + contextLength + " cannot hold the start and end tokens; need at least 2");
        }
    }

    /**
     * @param row one row of token ids, 0 = padding
     * @return the length of the row without its trailing padding: the last non-zero position + 1 (the end token's
     *     position + 1), 0 for an all-padding row
     */
    public static int usedLength(long[] row) {
        for (int i = row.length - 1; i >= 0; i--) {
            if (row[i] != 0) {
                return i + 1;
            }
        }
        return 0;
    }
}
