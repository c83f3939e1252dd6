package io.rsground.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A word-level tokenizer for text towers trained from scratch, with no CLIP vocabulary.
 *
 * <p>Normalisation: NFC, lower-case, then words are the runs of letters and digits (combining
 * marks stay inside a word); everything else separates words and is dropped. Ids:
 * {@value #PAD_ID} padding, {@value #UNKNOWN_ID} unknown word, {@value #SOT_ID} start,
 * {@value #EOT_ID} end, then the vocabulary words from 4 on, by descending corpus frequency and
 * alphabetically among equal counts, so the same corpus always gives the same ids.
 * Immutable and thread-safe.
 */
public final class WordTokenizer implements Tokenizer {

    /** Padding id; the text mask {@code id > 0} masks it. */
    public static final int PAD_ID = 0;
    /** Id of every word not in the vocabulary. */
    public static final int UNKNOWN_ID = 1;
    /** Start-of-text id. */
    public static final int SOT_ID = 2;
    /** End-of-text id. */
    public static final int EOT_ID = 3;
    /** The reserved tokens, ids 0-3, as they appear at the start of the stored vocabulary. */
    public static final List<String> RESERVED = List.of("<pad>", "<unk>", "<sot>", "<eot>");

    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}\\p{M}]*");

    private final List<String> vocabulary;
    private final Map<String, Integer> ids;

    private WordTokenizer(List<String> vocabulary) {
        this.vocabulary = List.copyOf(vocabulary);
        Map<String, Integer> map = new HashMap<>(vocabulary.size() * 2);
        for (int i = RESERVED.size(); i < vocabulary.size(); i++) {
            map.put(vocabulary.get(i), i);
        }
        this.ids = Map.copyOf(map);
    }

    /**
     * Builds the vocabulary from training queries.
     *
     * @param queries the corpus, e.g. every training query
     * @param minCount how often a word must occur to get its own id, at least 1
     * @return the tokenizer
     * @throws IllegalArgumentException when minCount is below 1
     */
    public static WordTokenizer build(Iterable<String> queries, int minCount) {
        if (minCount < 1) {
            throw new IllegalArgumentException("minCount must be at least 1, got " + minCount);
        }
        Map<String, Integer> counts = new HashMap<>();
        for (String query : queries) {
            for (String word : words(query)) {
                counts.merge(word, 1, Integer::sum);
            }
        }
        List<Map.Entry<String, Integer>> kept = new ArrayList<>();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            if (e.getValue() >= minCount) {
                kept.add(e);
            }
        }
        kept.sort(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        List<String> vocabulary = new ArrayList<>(RESERVED.size() + kept.size());
        vocabulary.addAll(RESERVED);
        for (Map.Entry<String, Integer> e : kept) {
            vocabulary.add(e.getKey());
        }
        return new WordTokenizer(vocabulary);
    }

    /**
     * Rebuilds a tokenizer from its spec.
     *
     * @param spec a spec of kind {@value TokenizerSpec#WORD}
     * @return the tokenizer
     * @throws IllegalArgumentException when the spec is of another kind, does not start with the
     *     reserved tokens, or holds a duplicate or a word that normalisation could never produce
     *     (the message names the index)
     */
    public static WordTokenizer fromSpec(TokenizerSpec spec) {
        if (!TokenizerSpec.WORD.equals(spec.kind())) {
            throw new IllegalArgumentException("expected a tokenizer spec of kind word, got " + spec.kind());
        }
        List<String> words = spec.words();
        if (words.size() < RESERVED.size() || !words.subList(0, RESERVED.size()).equals(RESERVED)) {
            throw new IllegalArgumentException("word tokenizer spec: 'words' must start with " + RESERVED
                    + ", got " + words.subList(0, Math.min(words.size(), RESERVED.size())));
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = RESERVED.size(); i < words.size(); i++) {
            String w = words.get(i);
            if (w == null || !List.of(w).equals(words(w))) {
                throw new IllegalArgumentException("word tokenizer spec: words[" + i + "] = "
                        + (w == null ? "null" : "\"" + w + "\"") + " is not a normalised word");
            }
            Integer previous = seen.put(w, i);
            if (previous != null) {
                throw new IllegalArgumentException("word tokenizer spec: \"" + w + "\" appears at words["
                        + previous + "] and words[" + i + "]");
            }
        }
        return new WordTokenizer(words);
    }

    /**
     * The normalisation every query goes through.
     *
     * @param text any text
     * @return its words: NFC, lower-cased, runs of letters and digits, in order
     */
    public static List<String> words(String text) {
        String normal = Normalizer.normalize(text, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        List<String> words = new ArrayList<>();
        Matcher m = WORD.matcher(normal);
        while (m.find()) {
            words.add(m.group());
        }
        return words;
    }

    /**
     * @param text the query
     * @return the id of each word ({@value #UNKNOWN_ID} when unknown), without SOT and EOT
     */
    public int[] tokenIds(String text) {
        List<String> words = words(text);
        int[] out = new int[words.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.getOrDefault(words.get(i), UNKNOWN_ID);
        }
        return out;
    }

    @Override
    public long[] encode(String text, int contextLength) {
        TokenRows.checkContextLength(contextLength);
        int[] tokens = tokenIds(text);
        return TokenRows.layout(SOT_ID, tokens, tokens.length, EOT_ID, contextLength);
    }

    @Override
    public int countTokens(String text) {
        return words(text).size() + 2;
    }

    /** @return the vocabulary in id order (index = id), the reserved tokens first */
    public List<String> vocabulary() {
        return vocabulary;
    }

    @Override
    public int vocabSize() {
        return vocabulary.size();
    }

    @Override
    public long sotId() {
        return SOT_ID;
    }

    @Override
    public long eotId() {
        return EOT_ID;
    }

    @Override
    public TokenizerSpec describe() {
        return TokenizerSpec.word(vocabulary);
    }
}
