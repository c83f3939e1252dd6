package io.rsground.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerSpecTest {

    @Test
    void jsonHoldsOnlyTheFieldsOfItsKind() throws IOException {
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readValue(TokenizerSpec.clipBpe("bpe.txt.gz").toJson(), Map.class))
                .isEqualTo(Map.of("kind", "clip-bpe", "merges", "bpe.txt.gz"));
        assertThat(json.readValue(TokenizerSpec.clipBpeHf("vocab.json", "merges.txt").toJson(), Map.class))
                .isEqualTo(Map.of("kind", "clip-bpe", "merges", "merges.txt", "vocab", "vocab.json"));
        List<String> words = List.of("<pad>", "<unk>", "<sot>", "<eot>", "tank");
        assertThat(json.readValue(TokenizerSpec.word(words).toJson(), Map.class))
                .isEqualTo(Map.of("kind", "word", "words", words));
        assertThat(TokenizerSpec.fromJson(TokenizerSpec.word(words).toJson())).isEqualTo(TokenizerSpec.word(words));
    }

    @Test
    void badSpecsNameTheField(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> TokenizerSpec.fromJson("{\"kind\":\"sentencepiece\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown tokenizer kind 'sentencepiece'").hasMessageContaining("clip-bpe, word");
        assertThatThrownBy(() -> TokenizerSpec.fromJson("{\"kind\":\"clip-bpe\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'merges'");
        assertThatThrownBy(() -> TokenizerSpec.fromJson("{\"kind\":\"word\",\"merges\":\"m\",\"words\":[]}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'merges'");
        assertThatThrownBy(() -> TokenizerSpec.fromJson("{\"kind\":"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad tokenizer spec JSON");

        Path file = Files.writeString(dir.resolve("tokenizer.json"), "{\"kind\":\"word\"}");
        assertThatThrownBy(() -> TokenizerSpec.read(file))
                .isInstanceOf(IOException.class).hasMessageContaining(file.toString()).hasMessageContaining("'words'");
        assertThatThrownBy(() -> TokenizerSpec.read(dir.resolve("absent.json")))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("absent.json");
    }
}
