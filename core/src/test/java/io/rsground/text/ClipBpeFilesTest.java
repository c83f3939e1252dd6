package io.rsground.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading CLIP BPE from OpenAI's and Hugging Face's file layouts, through specs, and from bad files. */
class ClipBpeFilesTest {

    static final Path GZ = ClipBpeTokenizerTest.MERGES_GZ;
    static List<String> gzLines;
    static ClipBpeTokenizer gzTokenizer;
    static List<ClipBpeTokenizerTest.Case> cases;
    /** vocab.json + merges.txt generated once from the gz file; tests copy what they change. */
    @TempDir
    static Path hfLayout;

    @BeforeAll
    static void readGz() throws IOException {
        gzLines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(GZ)), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                gzLines.add(line);
            }
        }
        cases = ClipBpeTokenizerTest.fixtureCases();
        writeHfLayout(hfLayout, true);
        gzTokenizer = ClipBpeTokenizer.fromOpenAiMerges(GZ);
    }

    static void copyHfLayout(Path dir) throws IOException {
        for (String name : List.of("vocab.json", "merges.txt")) {
            Files.copy(hfLayout.resolve(name), dir.resolve(name));
        }
    }

    /** CLIP's byte symbols in id order, written out from the documented rule (not the class under test). */
    static List<String> byteSymbols() {
        List<Integer> printable = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            if ((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)) {
                printable.add(b);
            }
        }
        List<String> symbols = new ArrayList<>();
        printable.forEach(b -> symbols.add(String.valueOf((char) (int) b)));
        int n = 0;
        for (int b = 0; b < 256; b++) {
            if (!printable.contains(b)) {
                symbols.add(String.valueOf((char) (256 + n++)));
            }
        }
        return symbols;
    }

    /** Writes vocab.json (keys in reverse id order, to show order does not matter) and merges.txt. */
    static void writeHfLayout(Path dir, boolean withSpecials) throws IOException {
        List<String> merges = gzLines.subList(1, 1 + 48894);
        List<String> vocab = new ArrayList<>(byteSymbols());
        byteSymbols().forEach(s -> vocab.add(s + "</w>"));
        merges.forEach(m -> vocab.add(m.replace(" ", "")));
        if (withSpecials) {
            vocab.add("<|startoftext|>");
            vocab.add("<|endoftext|>");
        }
        Map<String, Integer> map = new LinkedHashMap<>();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < vocab.size(); i++) {
            ids.add(i);
        }
        Collections.reverse(ids);
        ids.forEach(i -> map.put(vocab.get(i), i));
        new ObjectMapper().writeValue(dir.resolve("vocab.json").toFile(), map);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n" + String.join("\n", merges) + "\n");
    }

    static void assertFixtureIds(Tokenizer tokenizer) {
        for (ClipBpeTokenizerTest.Case c : cases) {
            assertThat(tokenizer.encode(c.text(), 77)).as(c.text()).containsExactly(Arrays.copyOf(c.ids(), 77));
        }
    }

    @Test
    void huggingFaceLayoutGivesTheSameIdsOnAllFixtureCases() throws IOException {
        Path dir = hfLayout;
        ClipBpeTokenizer hf = ClipBpeTokenizer.fromHuggingFace(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
        assertThat(hf.vocabSize()).isEqualTo(49408);
        assertThat(hf.sotId()).isEqualTo(49406);
        assertThat(hf.eotId()).isEqualTo(49407);
        assertFixtureIds(hf);
        assertThat(hf.describe()).isEqualTo(TokenizerSpec.clipBpeHf("vocab.json", "merges.txt"));
    }

    @Test
    void clipFromFileAcceptsEveryLayout(@TempDir Path dir) throws IOException {
        Path hfDir = Files.createDirectory(dir.resolve("hf"));
        copyHfLayout(hfDir);
        Path gzDir = Files.createDirectory(dir.resolve("openai"));
        Files.copy(GZ, gzDir.resolve("bpe_simple_vocab_16e6.txt.gz"));

        List<Tokenizer> loaded = List.of(
                Tokenizers.clipFromFile(GZ),
                Tokenizers.clipFromFile(gzDir),
                Tokenizers.clipFromFile(hfDir),
                Tokenizers.clipFromFile(hfDir.resolve("merges.txt")));
        for (Tokenizer t : loaded) {
            for (ClipBpeTokenizerTest.Case c : cases.subList(0, 20)) {
                assertThat(t.encode(c.text(), 77)).containsExactly(Arrays.copyOf(c.ids(), 77));
            }
        }
        assertThat(loaded.get(1).describe().merges()).isEqualTo("bpe_simple_vocab_16e6.txt.gz");
        assertThat(loaded.get(2).describe().vocab()).isEqualTo("vocab.json");
    }

    @Test
    void specRoundTripThroughACheckpointDirectory(@TempDir Path dir) throws IOException {
        for (boolean hf : new boolean[] {false, true}) {
            Path source = Files.createDirectory(dir.resolve(hf ? "hf-src" : "gz-src"));
            ClipBpeTokenizer original;
            if (hf) {
                copyHfLayout(source);
                original = Tokenizers.clipFromFile(source);
            } else {
                original = Tokenizers.clipFromFile(GZ);
            }
            // what a checkpoint writer does: copy the source files beside the spec
            Path checkpoint = Files.createDirectory(dir.resolve(hf ? "ckpt-hf" : "ckpt-gz"));
            for (Path f : original.sourceFiles()) {
                Files.copy(f, checkpoint.resolve(f.getFileName()));
            }
            original.describe().write(checkpoint.resolve("tokenizer.json"));

            TokenizerSpec spec = TokenizerSpec.read(checkpoint.resolve("tokenizer.json"));
            assertThat(spec).isEqualTo(original.describe());
            Tokenizer rebuilt = Tokenizers.fromSpec(spec, checkpoint);
            assertThat(rebuilt).isInstanceOf(ClipBpeTokenizer.class);
            assertFixtureIds(rebuilt);
        }
    }

    @Test
    void specFileNamesMustStayInsideTheBaseDirectory(@TempDir Path dir) {
        assertThatThrownBy(() -> Tokenizers.fromSpec(TokenizerSpec.clipBpe("../bpe.txt.gz"), dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'merges'").hasMessageContaining("../bpe.txt.gz");
        assertThatThrownBy(() -> Tokenizers.fromSpec(TokenizerSpec.clipBpe("absent.txt.gz"), dir))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("absent.txt.gz");
    }

    // ---- bad files ----

    static Path writeGz(Path file, List<String> lines) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    @Test
    void missingMergesFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.txt.gz");
        assertThatThrownBy(() -> ClipBpeTokenizer.fromOpenAiMerges(missing))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("not found");
        assertThatThrownBy(() -> Tokenizers.clipFromFile(missing))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining(missing.toString());
    }

    @Test
    void truncatedGzip(@TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(GZ);
        for (int keep : new int[] {whole.length / 5, whole.length - 100}) {
            Path cut = Files.write(dir.resolve("cut" + keep + ".txt.gz"), Arrays.copyOf(whole, keep));
            assertThatThrownBy(() -> ClipBpeTokenizer.fromOpenAiMerges(cut))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(cut.toString()).hasMessageContaining("truncated or corrupt gzip");
        }
        Path notGzip = Files.writeString(dir.resolve("plain.txt.gz"), "header\ni n\n");
        assertThatThrownBy(() -> ClipBpeTokenizer.fromOpenAiMerges(notGzip))
                .isInstanceOf(IOException.class).hasMessageContaining(notGzip.toString());
    }

    @Test
    void tooFewMerges(@TempDir Path dir) throws IOException {
        Path few = writeGz(dir.resolve("few.txt.gz"), gzLines.subList(0, 1001));
        assertThatThrownBy(() -> ClipBpeTokenizer.fromOpenAiMerges(few))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(few.toString())
                .hasMessageContaining("holds 1000 merge lines").hasMessageContaining("48894");
    }

    @Test
    void malformedMergeLine(@TempDir Path dir) throws IOException {
        List<String> lines = new ArrayList<>(gzLines.subList(0, 48895));
        lines.set(4, "abc"); // line 5 of the file
        Path bad = writeGz(dir.resolve("bad.txt.gz"), lines);
        assertThatThrownBy(() -> ClipBpeTokenizer.fromOpenAiMerges(bad))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("line 5").hasMessageContaining("\"abc\"");
    }

    @Test
    void vocabJsonWithoutSpecialTokens(@TempDir Path dir) throws IOException {
        writeHfLayout(dir, false);
        assertThatThrownBy(() -> ClipBpeTokenizer.fromHuggingFace(dir.resolve("vocab.json"), dir.resolve("merges.txt")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("vocab.json").hasMessageContaining("\"<|startoftext|>\"");
    }

    @Test
    void vocabJsonThatIsNotAnObjectOrNotJson(@TempDir Path dir) throws IOException {
        copyHfLayout(dir);
        Files.writeString(dir.resolve("vocab.json"), "[1, 2]");
        assertThatThrownBy(() -> Tokenizers.clipFromFile(dir))
                .isInstanceOf(IOException.class).hasMessageContaining("vocab.json").hasMessageContaining("JSON object");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 1,\n \"b\": }");
        assertThatThrownBy(() -> Tokenizers.clipFromFile(dir))
                .isInstanceOf(IOException.class).hasMessageContaining("not valid JSON").hasMessageContaining("line 2");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": \"x\"}");
        assertThatThrownBy(() -> Tokenizers.clipFromFile(dir))
                .isInstanceOf(IOException.class).hasMessageContaining("key \"a\"");
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 2147483647}");
        assertThatThrownBy(() -> Tokenizers.clipFromFile(dir))
                .isInstanceOf(IOException.class).hasMessageContaining("key \"a\"").hasMessageContaining("16777215");
    }

    @Test
    void mergeWhoseResultIsNotInTheVocabulary(@TempDir Path dir) throws IOException {
        copyHfLayout(dir);
        List<String> lines = new ArrayList<>(Files.readAllLines(dir.resolve("merges.txt")));
        lines.add(3, "q zzz"); // line 4 of the file; "zzz" is not a token
        Files.write(dir.resolve("merges.txt"), lines);
        assertThatThrownBy(() -> Tokenizers.clipFromFile(dir))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("merges.txt").hasMessageContaining("line 4").hasMessageContaining("\"zzz\"");
        lines.set(3, "three parts here");
        Files.write(dir.resolve("merges.txt"), lines);
        assertThatThrownBy(() -> Tokenizers.clipFromFile(dir))
                .isInstanceOf(IOException.class).hasMessageContaining("line 4").hasMessageContaining("two symbols");
    }

    @Test
    void plainMergesFileNeedsVocabBesideIt(@TempDir Path dir) throws IOException {
        Path merges = Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\ni n\n");
        assertThatThrownBy(() -> Tokenizers.clipFromFile(merges))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("vocab.json");
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> Tokenizers.clipFromFile(empty))
                .isInstanceOf(IOException.class).hasMessageContaining("vocab.json + merges.txt");
    }

    // ---- BPE merge order against the reference's plain rescan loop ----

    /** The reference algorithm as written in CLIP: rescan for the best pair, merge it everywhere, repeat. */
    static List<String> referenceBpe(List<String> symbols, Map<String, Integer> ranks) {
        List<String> word = new ArrayList<>(symbols);
        while (word.size() > 1) {
            String bestFirst = null;
            String bestSecond = null;
            int best = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < best) {
                    best = r;
                    bestFirst = word.get(i);
                    bestSecond = word.get(i + 1);
                }
            }
            if (bestFirst == null) {
                break;
            }
            List<String> merged = new ArrayList<>();
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(bestFirst) && word.get(i + 1).equals(bestSecond)) {
                    merged.add(bestFirst + bestSecond);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        return word;
    }

    @Test
    void mergeOrderMatchesTheReferenceLoopOnRandomAndRepetitiveWords() throws IOException {
        List<String> merges = gzLines.subList(1, 1 + 48894);
        Map<String, Integer> ranks = new java.util.HashMap<>();
        Map<String, Integer> vocab = new java.util.HashMap<>();
        List<String> symbols = byteSymbols();
        for (int i = 0; i < 256; i++) {
            vocab.put(symbols.get(i), i);
            vocab.put(symbols.get(i) + "</w>", 256 + i);
        }
        for (int r = 0; r < merges.size(); r++) {
            ranks.put(merges.get(r), r);
            vocab.put(merges.get(r).replace(" ", ""), 512 + r);
        }
        ClipBpeTokenizer tokenizer = gzTokenizer;
        java.util.Random random = new java.util.Random(11);
        String alphabet = "abcdeeeinorstlmhhaaaa";
        List<String> words = new ArrayList<>();
        for (int k = 0; k < 1500; k++) {
            StringBuilder w = new StringBuilder();
            int len = 1 + random.nextInt(k < 1400 ? 40 : 200);
            boolean repetitive = random.nextBoolean();
            for (int i = 0; i < len; i++) {
                w.append(repetitive ? "ab".charAt(i % 2 == 0 && random.nextInt(5) > 0 ? 0 : 1)
                        : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            words.add(w.toString());
        }
        words.addAll(List.of("a".repeat(1000), "ab".repeat(500), "aab".repeat(300)));
        for (String word : words) {
            List<String> bytesAsSymbols = new ArrayList<>();
            for (char c : word.toCharArray()) {
                bytesAsSymbols.add(String.valueOf(c)); // ASCII letters are their own byte symbols
            }
            bytesAsSymbols.set(bytesAsSymbols.size() - 1, bytesAsSymbols.get(bytesAsSymbols.size() - 1) + "</w>");
            int[] expected = referenceBpe(bytesAsSymbols, ranks).stream().mapToInt(vocab::get).toArray();
            assertThat(tokenizer.tokenIds(word)).as(word).containsExactly(expected);
        }
    }

    @Test
    void aHugeSingleWordIsTokenizedWithoutQuadraticBlowUp() throws IOException {
        ClipBpeTokenizer tokenizer = gzTokenizer;
        String huge = "ab".repeat(50_000); // one 100k-letter piece: hours for a quadratic loop
        long[] row = tokenizer.encode(huge, 77);
        assertThat(row[0]).isEqualTo(49406);
        assertThat(row[76]).isEqualTo(49407);
        assertThat(tokenizer.countTokens(huge)).isGreaterThan(77);
    }
}
