package io.rsground.text;

/** Lays out id rows the way every {@link Tokenizer} returns them. */
final class TokenRows {
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
}
