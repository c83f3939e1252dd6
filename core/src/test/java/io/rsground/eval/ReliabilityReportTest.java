package io.rsground.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.box.Box;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reliabilities, kept counts, histograms by source and the files, against IoUs computed by hand. */
class ReliabilityReportTest {
    /** A label on a 100 x 100 image whose prediction is the truth moved right by {@code shift} px. */
    private static Prediction shifted(int index, double shift) {
        Box truth = new Box(0, 0, 40, 10);
        Box predicted = new Box(shift, 0, 40 + shift, 10);
        return new Prediction(index, "i" + index + ".png", "ship", "a ship", 2, truth, predicted,
                new Box(0, 0, 0.4, 0.1), new Box(shift / 100, 0, (40 + shift) / 100, 0.1), new double[] {0, 0, 0, 0});
    }

    @Test
    void reliabilitiesAreTheIousAndThresholdsKeepWhatReachesThem(@TempDir Path dir) throws Exception {
        // IoU of two 40 px boxes offset by s: (40 - s) / (40 + s): 1, 0.6, 1/3, 0
        List<Prediction> labels = List.of(shifted(0, 0), shifted(1, 10), shifted(2, 20), shifted(3, 40));
        ReliabilityReport report = new ReliabilityReport(labels, i -> i < 2 ? "template" : "relation");
        assertThat(report.reliabilities()).containsExactly(new double[] {1, 0.6, 1.0 / 3, 0}, within(1e-12));
        assertThat(report.kept(0.5)).isEqualTo(2);
        assertThat(report.kept(0.3)).isEqualTo(3);
        assertThat(ReliabilityReport.histogram(report.reliabilities())).containsExactly(
                1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1);
        assertThat(report.bySource().keySet()).containsExactly("template", "relation");

        report.write(dir);
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("labels").asInt()).isEqualTo(4);
        assertThat(summary.get("mean").asDouble()).isCloseTo((1 + 0.6 + 1.0 / 3) / 4, within(1e-12));
        assertThat(summary.get("median").asDouble()).isCloseTo((0.6 + 1.0 / 3) / 2, within(1e-12));
        assertThat(summary.get("kept_at").get("0.5").asInt()).isEqualTo(2);
        assertThat(summary.get("sources").get("relation").get("kept_at_0.5").asInt()).isZero();
        List<String> lines = Files.readAllLines(dir.resolve("reliability.jsonl"));
        assertThat(lines).hasSize(4);
        JsonNode second = new ObjectMapper().readTree(lines.get(1));
        assertThat(second.get("source").asText()).isEqualTo("template");
        assertThat(second.get("reliability").asDouble()).isCloseTo(0.6, within(1e-12));
        assertThat(javax.imageio.ImageIO.read(dir.resolve("histogram.png").toFile()).getWidth()).isEqualTo(900);
    }
}
