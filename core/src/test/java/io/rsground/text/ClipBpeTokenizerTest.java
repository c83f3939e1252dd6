package io.rsground.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** CLIP BPE against the reference ids of the fixture and of the edge-case file. */
class ClipBpeTokenizerTest {

    static final Path MERGES_GZ = Fixtures.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz");
    static ClipBpeTokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = ClipBpeTokenizer.fromOpenAiMerges(MERGES_GZ);
    }

    /** One reference case: text, expected ids (truncated to 77 in the fixture), overflow flag. */
    record Case(String text, long[] ids, boolean tooLong) {
        @Override
        public String toString() {
            String shown = text.length() > 60 ? text.substring(0, 60) + "..." : text;
            return shown.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        }
    }

    static List<Case> fixtureCases() throws IOException {
        JsonNode root = new ObjectMapper().readTree(Fixtures.tiny("tokenizer.json").toFile());
        assertThat(root.get("context_length").asInt()).isEqualTo(77);
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            long[] ids = new long[c.get("ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = c.get("ids").get(i).asLong();
            }
            cases.add(new Case(c.get("text").asText(), ids, c.get("too_long_without_truncation").asBoolean()));
        }
        return cases;
    }

    /** Edge cases with the reference's full (untruncated) ids; see make_clip_edge_cases.py beside the JSON. */
    static List<Case> edgeCases(String section) throws IOException {
        JsonNode root;
        try (InputStream in = ClipBpeTokenizerTest.class.getResourceAsStream("clip-edge-cases.json")) {
            root = new ObjectMapper().readTree(in);
        }
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : root.get(section)) {
            long[] ids = new long[c.get("ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = c.get("ids").get(i).asLong();
            }
            cases.add(new Case(c.get("text").asText(), ids, ids.length > 77));
        }
        return cases;
    }

    static Stream<Arguments> fixture() throws IOException {
        return fixtureCases().stream().map(Arguments::of);
    }

    static Stream<Arguments> edge() throws IOException {
        return edgeCases("cases").stream().map(Arguments::of);
    }

    static long[] padded(long[] ids, int length) {
        return Arrays.copyOf(ids, length);
    }

    @Test
    void fixtureHas174Cases() throws IOException {
        assertThat(fixtureCases()).hasSize(174);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("fixture")
    void idsMatchReferenceFixture(Case c) {
        assertThat(tokenizer.encode(c.text())).containsExactly(padded(c.ids(), 77));
        assertThat(tokenizer.countTokens(c.text()) > 77).isEqualTo(c.tooLong());
        if (!c.tooLong()) {
            assertThat(tokenizer.countTokens(c.text())).isEqualTo(c.ids().length);
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("edge")
    void idsMatchReferenceOnEdgeCases(Case c) {
        assertThat(tokenizer.countTokens(c.text())).isEqualTo(c.ids().length);
        long[] row = tokenizer.encode(c.text(), c.ids().length);
        assertThat(row).containsExactly(c.ids());
    }

    @Test
    void vocabularyLayoutIsOpenAis() {
        assertThat(tokenizer.vocabSize()).isEqualTo(49408);
        assertThat(tokenizer.sotId()).isEqualTo(49406);
        assertThat(tokenizer.eotId()).isEqualTo(49407);
        // hand-computed from the byte map: '!' is the first printable byte (id 0), 'a' is 0x61 - 0x21 = 64,
        // its end-of-word form 256 + 64
        assertThat(tokenizer.tokenIds("a")).containsExactly(320);
        assertThat(tokenizer.tokenIds("!")).containsExactly(256);
        // "!$" is one piece with no merge: '!' (id 0) then '$</w>' (0x24 - 0x21 = 3, + 256)
        assertThat(tokenizer.tokenIds("!$")).containsExactly(0, 259);
    }

    @Test
    void idZeroIsARealTokenAndIsKeptAsInTheReference() {
        // The text mask id > 0 hides this '!' like padding: reference behaviour, deliberately kept.
        long[] row = tokenizer.encode("!$", 77);
        assertThat(row).startsWith(49406, 0, 259, 49407);
        assertThat(Arrays.copyOfRange(row, 4, 77)).containsOnly(0L);
    }

    @Test
    void truncationKeepsFirstIdsAndEndsWithEot() throws IOException {
        Case longCase = fixtureCases().stream().filter(Case::tooLong).findFirst().orElseThrow();
        int[] all = tokenizer.tokenIds(longCase.text());
        assertThat(all.length + 2).isGreaterThan(77);
        for (int length : new int[] {2, 3, 10, 77}) {
            long[] row = tokenizer.encode(longCase.text(), length);
            assertThat(row).hasSize(length);
            assertThat(row[0]).isEqualTo(49406);
            assertThat(row[length - 1]).isEqualTo(49407);
            for (int i = 1; i < length - 1; i++) {
                assertThat(row[i]).isEqualTo(all[i - 1]);
            }
        }
        assertThatThrownBy(() -> tokenizer.encode("x", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("context length 1");
    }

    @Test
    void shortQueryIsZeroPadded() {
        long[] row = tokenizer.encode("windmill", 77);
        assertThat(row).startsWith(49406, 34084, 49407);
        assertThat(Arrays.copyOfRange(row, 3, 77)).containsOnly(0L);
    }

    @Test
    void batchRowsEqualSingleRows() throws IOException {
        List<String> texts = fixtureCases().stream().limit(12).map(Case::text).toList();
        long[] batch = tokenizer.encodeBatch(texts, 77);
        assertThat(batch).hasSize(12 * 77);
        for (int b = 0; b < texts.size(); b++) {
            assertThat(Arrays.copyOfRange(batch, b * 77, (b + 1) * 77)).containsExactly(tokenizer.encode(texts.get(b)));
        }
    }

    @Test
    void concurrentEncodingGivesTheSameIds() throws Exception {
        List<Case> cases = fixtureCases();
        ClipBpeTokenizer fresh = ClipBpeTokenizer.fromOpenAiMerges(MERGES_GZ); // empty cache: threads race to fill it
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                final int offset = t * 37;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < cases.size(); i++) {
                        Case c = cases.get((i + offset) % cases.size());
                        if (!Arrays.equals(fresh.encode(c.text()), padded(c.ids(), 77))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void describesItselfByFileName() {
        TokenizerSpec spec = tokenizer.describe();
        assertThat(spec.kind()).isEqualTo("clip-bpe");
        assertThat(spec.merges()).isEqualTo("bpe_simple_vocab_16e6.txt.gz");
        assertThat(spec.vocab()).isNull();
        assertThat(tokenizer.sourceFiles()).containsExactly(MERGES_GZ);
    }

    @Test
    void reportsThroughput() throws IOException {
        // measured once for the record, not asserted
        List<String> texts = fixtureCases().stream().map(Case::text).toList();
        ClipBpeTokenizer cold = ClipBpeTokenizer.fromOpenAiMerges(MERGES_GZ);
        long t0 = System.nanoTime();
        for (String t : texts) {
            cold.encode(t);
        }
        long coldNs = System.nanoTime() - t0;
        int rounds = 200;
        long sink = 0;
        t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            for (String t : texts) {
                sink += cold.encode(t)[1];
            }
        }
        long warmNs = System.nanoTime() - t0;
        System.out.printf("ClipBpeTokenizer.encode: first pass %d queries in %.1f ms (%.0f queries/s, cold cache); "
                        + "warm %.0f queries/s over %d queries [%d]%n",
                texts.size(), coldNs / 1e6, texts.size() / (coldNs / 1e9),
                rounds * texts.size() / (warmNs / 1e9), rounds * texts.size(), sink % 10);
    }
}
