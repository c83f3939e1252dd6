package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.box.Box;
import io.rsground.config.ConfigException;
import io.rsground.data.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Labels kept by their reliability, and the errors that name what is missing. */
class LabelSelectionTest {
    private static Sample label(int index) {
        return new Sample(index, "i", Path.of("i.png"), 10, 10, "ship", new Box(0, 0, 5, 5), "a ship",
                Path.of("a.xml"), index + 1);
    }

    @Test
    void keepsTheLabelsReachingTheThresholdInSplitOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("reliability.jsonl");
        Files.writeString(file, "{\"index\": 4, \"reliability\": 0.9, \"query\": \"x\"}\n\n"
                + "{\"index\": 2, \"reliability\": 0.5}\n{\"index\": 7, \"reliability\": 0.1}\n");
        Map<Integer, Double> r = LabelSelection.read(file);
        assertThat(r).containsOnly(Map.entry(4, 0.9), Map.entry(2, 0.5), Map.entry(7, 0.1));
        List<Sample> train = List.of(label(7), label(2), label(4));
        assertThat(LabelSelection.keep(train, r, 0.5)).extracting(Sample::index).containsExactly(2, 4);
        assertThat(LabelSelection.keep(train, r, 0)).hasSize(3);
        assertThatThrownBy(() -> LabelSelection.keep(train, r, 0.95)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("0.950");
        assertThatThrownBy(() -> LabelSelection.keep(List.of(label(3)), r, 0.5)).hasMessageContaining("label 3")
                .hasMessageContaining("reliability --split train");
        Files.writeString(file, "{\"index\": 1, \"reliability\": 0.2}\n{\"index\": \"one\"}\n");
        assertThatThrownBy(() -> LabelSelection.read(file)).hasMessageContaining("reliability.jsonl:2");
    }

    @Test
    void readsADetectorsScoresFromPseudoLabelsAsTheirReliability(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pseudo.jsonl");
        Files.writeString(file, "{\"image\": \"JPEGImages/1.jpg\", \"index\": 0, \"expression\": \"a ship\", "
                + "\"score\": 0.75, \"split\": \"train\"}\n{\"index\": 1, \"score\": 0.25}\n");
        Map<Integer, Double> r = LabelSelection.read(file);
        assertThat(r).containsOnly(Map.entry(0, 0.75), Map.entry(1, 0.25));
        assertThat(LabelSelection.keep(List.of(label(0), label(1)), r, 0.5)).extracting(Sample::index)
                .containsExactly(0);
        // a line with neither a reliability nor a score
        Files.writeString(file, "{\"index\": 0, \"score\": 1.0}\n{\"index\": 1, \"source\": \"template\"}\n");
        assertThatThrownBy(() -> LabelSelection.read(file)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("pseudo.jsonl:2").hasMessageContaining("\"score\"");
    }
}
