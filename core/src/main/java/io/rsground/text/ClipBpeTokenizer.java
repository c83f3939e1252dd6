package io.rsground.text;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * OpenAI CLIP's byte-level BPE tokenizer, id for id as the reference ({@code simple_tokenizer.py}).
 *
 * <p>Encoding: clean the text ({@link ClipTextCleaner}: ftfy-style fixes, HTML-unescape twice,
 * whitespace collapsed, lower-cased); split it with CLIP's pattern (the literal special tokens,
 * the English clitics {@code 's 't 're 've 'm 'll 'd}, runs of letters, single digits, runs of
 * other non-space characters); map each piece's UTF-8 bytes to printable characters (bytes
 * {@code ! .. ~}, {@code ¡ .. ¬}, {@code ® .. ÿ} stand for themselves, the other 68 bytes for
 * U+0100 onwards in byte order); mark the last character with {@code </w>}; merge adjacent symbol
 * pairs, lowest merge rank first, until no ranked pair is left; look the symbols up.
 *
 * <p>Vocabulary of the OpenAI file: ids 0-255 the byte symbols (printable bytes first, so id 0 is
 * {@code !}), 256-511 the same with {@code </w>}, then one id per merge in file order (the first
 * 48,894 merge lines after the header), {@code <|startoftext|>} = 49406, {@code <|endoftext|>} = 49407.
 * The Hugging Face layout ({@code vocab.json} + {@code merges.txt}) gives the same ids explicitly.
 *
 * <p>A literal {@code <|startoftext|>} or {@code <|endoftext|>} in a query becomes that special id,
 * as in the reference. Thread-safe; word-to-BPE results are kept in a bounded concurrent cache.
 */
public final class ClipBpeTokenizer implements Tokenizer {

    /** The context length every OpenAI CLIP model uses. */
    public static final int CONTEXT_LENGTH = 77;
    /** The start-of-text token. */
    public static final String SOT_TOKEN = "<|startoftext|>";
    /** The end-of-text token. */
    public static final String EOT_TOKEN = "<|endoftext|>";
    /** Merges of the OpenAI file that CLIP uses: 49152 - 256 - 2. */
    public static final int OPENAI_MERGE_COUNT = 49152 - 256 - 2;

    private static final String END_OF_WORD = "</w>";
    /** Largest id accepted from vocab.json; far above any real vocabulary, keeps vocabSize() an int. */
    private static final int MAX_ID = (1 << 24) - 1;
    private static final int CACHE_LIMIT = 65_536;
    /** Longer pieces (rare, e.g. pasted junk) are not cached, to bound the cache's memory. */
    private static final int CACHED_PIECE_LIMIT = 256;
    /**
     * CLIP's split. U+0345 (combining ypogegrammeni) matches no alternative in the reference: with
     * IGNORECASE, Python's regex module keeps it out of the negated class because it case-folds to
     * a letter, yet does not count it as a letter, so the reference drops it; so do we.
     */
    private static final Pattern SPLIT = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}"
                    + "|[^\\p{IsWhite_Space}\\p{L}\\p{N}\\u0345]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /** Byte value -> the printable character standing for it. */
    private static final char[] BYTE_SYMBOL = new char[256];
    /** The byte symbols in vocabulary order (ids 0-255). */
    private static final char[] SYMBOLS_IN_ID_ORDER = new char[256];

    static {
        int next = 0;
        for (int b = 0; b < 256; b++) {
            if (isPrintableByte(b)) {
                BYTE_SYMBOL[b] = (char) b;
                SYMBOLS_IN_ID_ORDER[next++] = (char) b;
            }
        }
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            if (!isPrintableByte(b)) {
                BYTE_SYMBOL[b] = (char) (256 + extra++);
                SYMBOLS_IN_ID_ORDER[next++] = BYTE_SYMBOL[b];
            }
        }
    }

    /** token -> id; never changed after construction, so plain HashMaps are safe to share. */
    private final Map<String, Integer> vocabulary;
    /** "first second" -> rank; symbols never hold a space (the space byte maps to U+0120). */
    private final Map<String, Integer> mergeRanks;
    private final int sotId;
    private final int eotId;
    private final int vocabSize;
    private final TokenizerSpec spec;
    private final List<Path> sourceFiles;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    private ClipBpeTokenizer(Map<String, Integer> vocabulary, Map<String, Integer> mergeRanks,
            TokenizerSpec spec, List<Path> sourceFiles) {
        this.vocabulary = vocabulary;
        this.mergeRanks = mergeRanks;
        this.sotId = vocabulary.get(SOT_TOKEN);
        this.eotId = vocabulary.get(EOT_TOKEN);
        this.vocabSize = vocabulary.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        this.spec = spec;
        this.sourceFiles = List.copyOf(sourceFiles);
    }

    private static boolean isPrintableByte(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    }

    /**
     * Loads OpenAI's merges file as CLIP does: the first line is a header, the next
     * {@value #OPENAI_MERGE_COUNT} lines are the merges used; the rest of the file is read only to
     * check it is whole.
     *
     * @param mergesGz {@code bpe_simple_vocab_16e6.txt.gz}
     * @return the tokenizer
     * @throws IOException when the file is missing, not gzip, truncated, not UTF-8, or has too few
     *     or malformed merge lines (the message names the file and line)
     */
    public static ClipBpeTokenizer fromOpenAiMerges(Path mergesGz) throws IOException {
        requireFile(mergesGz, "CLIP BPE merges file (.txt.gz)");
        List<String[]> merges = new ArrayList<>(OPENAI_MERGE_COUNT);
        int lineNo = 0;
        try (InputStream raw = Files.newInputStream(mergesGz);
                GZIPInputStream gz = new GZIPInputStream(raw, 1 << 16);
                BufferedReader reader = utf8Reader(gz)) {
            String line = reader.readLine();
            lineNo = 1; // the header, e.g. "bpe_simple_vocab_16e6.txt#version: 0.2"
            if (line == null) {
                throw new IOException(mergesGz + ": empty file; expected a header line and "
                        + OPENAI_MERGE_COUNT + " merge lines");
            }
            while (merges.size() < OPENAI_MERGE_COUNT && (line = reader.readLine()) != null) {
                lineNo++;
                merges.add(parseMerge(line, mergesGz, lineNo));
            }
            if (merges.size() < OPENAI_MERGE_COUNT) {
                throw new IOException(mergesGz + ": holds " + merges.size() + " merge lines after the header; "
                        + "OpenAI CLIP needs " + OPENAI_MERGE_COUNT + " (lines 2-" + (OPENAI_MERGE_COUNT + 1) + ")");
            }
            // Inflate to the end (checking the gzip trailer), as the reference reads the whole file,
            // so that a damaged tail is reported too.
            gz.transferTo(OutputStream.nullOutputStream());
        } catch (EOFException | ZipException e) {
            throw new IOException(mergesGz + ": truncated or corrupt gzip data after line " + lineNo
                    + " (" + e.getMessage() + ")", e);
        } catch (CharacterCodingException e) {
            throw new IOException(mergesGz + ": not UTF-8 text after line " + lineNo, e);
        }

        Map<String, Integer> vocabulary = new HashMap<>(1 << 17);
        int id = 0;
        for (char c : SYMBOLS_IN_ID_ORDER) {
            vocabulary.put(String.valueOf(c), id++);
        }
        for (char c : SYMBOLS_IN_ID_ORDER) {
            vocabulary.put(c + END_OF_WORD, id++);
        }
        Map<String, Integer> ranks = new HashMap<>(1 << 17);
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            vocabulary.put(m[0] + m[1], id++);
            ranks.put(m[0] + ' ' + m[1], rank); // a repeated pair takes its last rank, as in CLIP
        }
        vocabulary.put(SOT_TOKEN, id++);
        vocabulary.put(EOT_TOKEN, id);
        return new ClipBpeTokenizer(vocabulary, ranks,
                TokenizerSpec.clipBpe(fileName(mergesGz)), List.of(mergesGz));
    }

    /**
     * Loads the Hugging Face layout: {@code vocab.json} maps each token to its id, {@code merges.txt}
     * holds an optional {@code #version} header line and then one {@code "first second"} merge a line,
     * best first.
     *
     * @param vocabJson the token -> id map
     * @param mergesTxt the merges
     * @return the tokenizer (the text cleanup and split are CLIP's, whatever the files' origin)
     * @throws IOException when a file is missing or malformed, a merge's parts or result are not in
     *     the vocabulary, a byte symbol or a special token is missing, or two tokens share an id (the
     *     message names the file and the line or key)
     */
    public static ClipBpeTokenizer fromHuggingFace(Path vocabJson, Path mergesTxt) throws IOException {
        requireFile(vocabJson, "CLIP BPE vocabulary (vocab.json)");
        requireFile(mergesTxt, "CLIP BPE merges file (merges.txt)");
        Map<String, Integer> vocabulary = readVocabJson(vocabJson);
        for (String special : List.of(SOT_TOKEN, EOT_TOKEN)) {
            if (!vocabulary.containsKey(special)) {
                throw new IOException(vocabJson + ": special token key \"" + special + "\" is missing");
            }
        }
        for (char c : SYMBOLS_IN_ID_ORDER) {
            for (String symbol : List.of(String.valueOf(c), c + END_OF_WORD)) {
                if (!vocabulary.containsKey(symbol)) {
                    throw new IOException(vocabJson + ": byte symbol key \"" + symbol + "\" (U+"
                            + String.format("%04X", (int) c) + ") is missing");
                }
            }
        }
        Map<String, Integer> ranks = new HashMap<>(1 << 17);
        try (BufferedReader reader = utf8Reader(Files.newInputStream(mergesTxt))) {
            String line;
            int lineNo = 0;
            int rank = 0;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if ((lineNo == 1 && line.startsWith("#version")) || line.isEmpty()) {
                    continue;
                }
                String[] m = parseMerge(line, mergesTxt, lineNo);
                for (String part : new String[] {m[0], m[1], m[0] + m[1]}) {
                    if (!vocabulary.containsKey(part)) {
                        throw new IOException(mergesTxt + ": line " + lineNo + " \"" + line + "\": \"" + part
                                + "\" is not a key of " + vocabJson.getFileName());
                    }
                }
                ranks.put(m[0] + ' ' + m[1], rank++); // a repeated pair takes its last rank, as in CLIP
            }
        } catch (CharacterCodingException e) {
            throw new IOException(mergesTxt + ": not UTF-8 text", e);
        }
        if (ranks.isEmpty()) {
            throw new IOException(mergesTxt + ": holds no merge lines");
        }
        return new ClipBpeTokenizer(vocabulary, ranks,
                TokenizerSpec.clipBpeHf(fileName(vocabJson), fileName(mergesTxt)), List.of(vocabJson, mergesTxt));
    }

    private static Map<String, Integer> readVocabJson(Path vocabJson) throws IOException {
        Map<String, Integer> vocabulary = new HashMap<>(1 << 17);
        Map<Integer, String> byId = new HashMap<>(1 << 17);
        // streamed rather than read as a tree: the file holds ~49k entries
        try (JsonParser p = new JsonFactory().createParser(vocabJson.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(vocabJson + ": expected a JSON object mapping token -> id");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                JsonToken value = p.nextToken();
                if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT
                        || p.getIntValue() < 0 || p.getIntValue() > MAX_ID) {
                    throw new IOException(vocabJson + ": key \"" + token + "\" at line "
                            + p.currentLocation().getLineNr() + " has value " + p.getText()
                            + "; expected an integer id in [0, " + MAX_ID + "]");
                }
                int id = p.getIntValue();
                String previous = byId.putIfAbsent(id, token);
                if (previous != null) {
                    throw new IOException(vocabJson + ": id " + id + " is used by both \"" + previous
                            + "\" and \"" + token + "\"");
                }
                vocabulary.put(token, id);
            }
        } catch (JsonParseException e) {
            throw new IOException(vocabJson + ": not valid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ")", e);
        }
        return vocabulary;
    }

    /** Splits a merge line into its two symbols; symbols never contain whitespace. */
    private static String[] parseMerge(String line, Path file, int lineNo) throws IOException {
        String body = line.strip();
        int space = -1;
        for (int i = 0; i < body.length(); i++) {
            if (Character.isWhitespace(body.charAt(i))) {
                if (space >= 0) {
                    space = -2; // more than one separator
                    break;
                }
                space = i;
            }
        }
        if (space <= 0 || space == body.length() - 1) {
            throw new IOException(file + ": line " + lineNo + " \"" + line
                    + "\" is not a merge; expected two symbols separated by a space");
        }
        return new String[] {body.substring(0, space), body.substring(space + 1)};
    }

    private static BufferedReader utf8Reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
    }

    private static void requireFile(Path file, String what) throws NoSuchFileException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, what + " not found");
        }
    }

    private static String fileName(Path file) {
        return file.getFileName().toString();
    }

    /**
     * Encodes with CLIP's context length.
     *
     * @param text the query
     * @return [{@value #CONTEXT_LENGTH}] ids, as {@link #encode(String, int)}
     */
    public long[] encode(String text) {
        return encode(text, CONTEXT_LENGTH);
    }

    @Override
    public long[] encode(String text, int contextLength) {
        TokenRows.checkContextLength(contextLength);
        int[] ids = tokenIds(text);
        return TokenRows.layout(sotId, ids, ids.length, eotId, contextLength);
    }

    @Override
    public int countTokens(String text) {
        return tokenIds(text).length + 2;
    }

    /**
     * @param text the query
     * @return the BPE ids of the query, without SOT and EOT and without any length limit
     */
    public int[] tokenIds(String text) {
        String cleaned = ClipTextCleaner.clean(text);
        int[] out = new int[Math.max(8, cleaned.length())];
        int count = 0;
        Matcher m = SPLIT.matcher(cleaned);
        while (m.find()) {
            int[] piece = bpeIds(m.group());
            if (count + piece.length > out.length) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, count + piece.length));
            }
            System.arraycopy(piece, 0, out, count, piece.length);
            count += piece.length;
        }
        return Arrays.copyOf(out, count);
    }

    /** BPE of one piece of the split; the returned array is shared and must not be changed. */
    private int[] bpeIds(String piece) {
        int[] cached = cache.get(piece);
        if (cached != null) {
            return cached;
        }
        int[] ids;
        if (piece.equals(SOT_TOKEN)) {
            ids = new int[] {sotId};
        } else if (piece.equals(EOT_TOKEN)) {
            ids = new int[] {eotId};
        } else {
            String[] symbols = merge(byteSymbols(piece));
            ids = new int[symbols.length];
            for (int i = 0; i < ids.length; i++) {
                Integer id = vocabulary.get(symbols[i]);
                if (id == null) {
                    // cannot happen with a vocabulary that passed the loaders' checks
                    throw new IllegalStateException("BPE symbol \"" + symbols[i] + "\" is not in the vocabulary");
                }
                ids[i] = id;
            }
        }
        if (piece.length() <= CACHED_PIECE_LIMIT) {
            if (cache.size() >= CACHE_LIMIT) {
                cache.clear();
            }
            cache.put(piece, ids);
        }
        return ids;
    }

    /** The piece's UTF-8 bytes as byte symbols, the last one marked with {@code </w>}. */
    private static String[] byteSymbols(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        String[] symbols = new String[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            symbols[i] = String.valueOf(BYTE_SYMBOL[bytes[i] & 0xff]);
        }
        symbols[bytes.length - 1] += END_OF_WORD;
        return symbols;
    }

    private int rank(String first, String second) {
        Integer rank = mergeRanks.get(first + ' ' + second);
        return rank == null ? -1 : rank;
    }

    /**
     * CLIP's BPE: repeatedly take the lowest-ranked adjacent pair and merge all its occurrences left
     * to right without overlap, until no adjacent pair has a rank. Same result as the reference's
     * rescan loop, in O(n log n) instead of O(n^2): symbols form a linked list, pairs wait in a heap
     * keyed by (rank, position), and all occurrences of one rank are merged as a batch before any
     * pair that the batch created is looked at.
     */
    private String[] merge(String[] symbols) {
        int n = symbols.length;
        if (n < 2) {
            return symbols;
        }
        int[] next = new int[n];
        int[] prev = new int[n];
        PriorityQueue<Long> pairs = new PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            if (i + 1 < n) {
                offer(pairs, rank(symbols[i], symbols[i + 1]), i);
            }
        }
        List<Integer> batch = new ArrayList<>();
        while (!pairs.isEmpty()) {
            long head = pairs.poll();
            int rank = (int) (head >>> 32);
            batch.clear();
            batch.add((int) head);
            while (!pairs.isEmpty() && (int) (pairs.peek() >>> 32) == rank) {
                batch.add((int) (long) pairs.poll()); // ascending positions: the heap orders by them too
            }
            for (int left : batch) {
                int right = symbols[left] == null ? -1 : next[left];
                if (right < 0 || rank(symbols[left], symbols[right]) != rank) {
                    continue; // stale: a symbol of this pair was merged away or changed
                }
                symbols[left] = symbols[left] + symbols[right];
                symbols[right] = null;
                next[left] = next[right];
                if (next[left] >= 0) {
                    prev[next[left]] = left;
                    offer(pairs, rank(symbols[left], symbols[next[left]]), left);
                }
                if (prev[left] >= 0) {
                    offer(pairs, rank(symbols[prev[left]], symbols[left]), prev[left]);
                }
            }
        }
        List<String> merged = new ArrayList<>();
        for (int i = 0; i >= 0; i = next[i]) {
            merged.add(symbols[i]);
        }
        return merged.toArray(new String[0]);
    }

    private static void offer(PriorityQueue<Long> pairs, int rank, int position) {
        if (rank >= 0) {
            pairs.add(((long) rank << 32) | position);
        }
    }

    /** @return the files this tokenizer was loaded from; a checkpoint copies them beside its spec */
    public List<Path> sourceFiles() {
        return sourceFiles;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public long sotId() {
        return sotId;
    }

    @Override
    public long eotId() {
        return eotId;
    }

    @Override
    public TokenizerSpec describe() {
        return spec;
    }
}
