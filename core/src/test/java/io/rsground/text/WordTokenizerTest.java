package io.rsground.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordTokenizerTest {

    static final List<String> CORPUS = List.of("The tank, the TANK!", "a tank near the dam", "dam 12");

    @Test
    void idsFollowFrequencyThenAlphabet() {
        // counts: tank 3, the 3, dam 2, 12 1, a 1, near 1
        WordTokenizer t = WordTokenizer.build(CORPUS, 1);
        assertThat(t.vocabulary()).containsExactly(
                "<pad>", "<unk>", "<sot>", "<eot>", "tank", "the", "dam", "12", "a", "near");
        assertThat(t.vocabSize()).isEqualTo(10);
        assertThat(t.sotId()).isEqualTo(2);
        assertThat(t.eotId()).isEqualTo(3);
        assertThat(t.encode("The dam near the tank", 9)).containsExactly(2, 5, 6, 9, 5, 4, 3, 0, 0);
    }

    @Test
    void rareAndUnseenWordsAreUnknown() {
        WordTokenizer t = WordTokenizer.build(CORPUS, 2);
        assertThat(t.vocabulary()).containsExactly("<pad>", "<unk>", "<sot>", "<eot>", "tank", "the", "dam");
        // "near" occurs once (below minCount), "bridge" never
        assertThat(t.encode("the bridge near the dam", 8)).containsExactly(2, 5, 1, 1, 5, 6, 3, 0);
        assertThat(t.tokenIds("")).isEmpty();
        assertThat(t.encode("", 4)).containsExactly(2, 3, 0, 0);
    }

    @Test
    void normalisationLowerCasesSplitsAndKeepsDigits() {
        assertThat(WordTokenizer.words("Café-Olé 2nd_floor, at 12:30!"))
                .containsExactly("café", "olé", "2nd", "floor", "at", "12", "30");
        // decomposed input (e + combining acute) composes to the same word
        assertThat(WordTokenizer.words("CAFE\u0301")).containsExactly("café");
        assertThat(WordTokenizer.words(" \t--// ")).isEmpty();
    }

    @Test
    void truncationAndCounts() {
        WordTokenizer t = WordTokenizer.build(CORPUS, 1);
        String text = "the tank the tank the tank";
        assertThat(t.countTokens(text)).isEqualTo(8);
        assertThat(t.encode(text, 5)).containsExactly(2, 5, 4, 5, 3);
        assertThat(t.encode(text, 2)).containsExactly(2, 3);
        assertThatThrownBy(() -> t.encode(text, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void buildIsDeterministicWhateverTheCorpusOrder() throws IOException {
        List<String> queries = new ArrayList<>();
        for (JsonNode c : new ObjectMapper().readTree(Fixtures.tiny("tokenizer.json").toFile()).get("cases")) {
            queries.add(c.get("text").asText());
        }
        List<String> reference = WordTokenizer.build(queries, 1).vocabulary();
        Random random = new Random(7);
        for (int i = 0; i < 5; i++) {
            List<String> shuffled = new ArrayList<>(queries);
            Collections.shuffle(shuffled, random);
            assertThat(WordTokenizer.build(shuffled, 1).vocabulary()).isEqualTo(reference);
        }
        // frequencies really do order the ids: "the" is the most frequent word of these queries
        assertThat(reference.get(4)).isEqualTo("the");
    }

    @Test
    void specRoundTripThroughJson(@TempDir Path dir) throws IOException {
        WordTokenizer original = WordTokenizer.build(CORPUS, 1);
        Path file = dir.resolve("tokenizer.json");
        original.describe().write(file);
        TokenizerSpec spec = TokenizerSpec.read(file);
        assertThat(spec).isEqualTo(original.describe());
        assertThat(spec.kind()).isEqualTo("word");

        Tokenizer rebuilt = Tokenizers.fromSpec(spec, dir);
        assertThat(rebuilt).isInstanceOf(WordTokenizer.class);
        assertThat(((WordTokenizer) rebuilt).vocabulary()).isEqualTo(original.vocabulary());
        for (String q : List.of("the tank near the bridge", "12 dams", "")) {
            assertThat(rebuilt.encode(q, 16)).containsExactly(original.encode(q, 16));
        }
    }

    @Test
    void invalidSpecsAreRejectedWithTheIndex() {
        assertThatThrownBy(() -> WordTokenizer.fromSpec(TokenizerSpec.word(List.of("<pad>", "<unk>", "tank"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must start with");
        List<String> reserved = WordTokenizer.RESERVED;
        List<String> dup = new ArrayList<>(reserved);
        dup.addAll(List.of("tank", "dam", "tank"));
        assertThatThrownBy(() -> WordTokenizer.fromSpec(TokenizerSpec.word(dup)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("words[4]").hasMessageContaining("words[6]");
        List<String> upper = new ArrayList<>(reserved);
        upper.addAll(List.of("tank", "Dam"));
        assertThatThrownBy(() -> WordTokenizer.fromSpec(TokenizerSpec.word(upper)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("words[5] = \"Dam\"");
        assertThatThrownBy(() -> WordTokenizer.build(CORPUS, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minCount");
    }
}
