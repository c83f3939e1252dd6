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
}
