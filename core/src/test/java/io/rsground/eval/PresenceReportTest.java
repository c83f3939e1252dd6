package io.rsground.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rsground.box.Box;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The presence figures against values worked out by hand. */
class PresenceReportTest {
    // present 0.9, 0.6, 0.4; absent 0.5, 0.4, 0.1
    private final PresenceReport report = new PresenceReport(new double[] {0.9, 0.6, 0.4},
            new double[] {0.5, 0.4, 0.1});

    @Test
    void aurocCountsPairsAndHalvesTies() {
        // pairs (present above absent): 0.9 -> 3, 0.6 -> 3, 0.4 -> 1 (over 0.1) + 0.5 (tie with 0.4) = 7.5 of 9
        assertThat(report.auroc()).isCloseTo(7.5 / 9, within(1e-12));
        assertThat(new PresenceReport(new double[] {1, 2}, new double[] {0}).auroc()).isEqualTo(1.0);
        assertThat(new PresenceReport(new double[] {0}, new double[] {1, 2}).auroc()).isEqualTo(0.0);
        assertThat(new PresenceReport(new double[] {1}, new double[] {}).auroc()).isNaN();
    }

    @Test
    void accuracyCountsPresentAtOrAboveAndAbsentBelow() {
        // present 0.9, 0.6 right; absent 0.4, 0.1 right (0.5 is not below 0.5)
        assertThat(report.accuracy(0.5)).isCloseTo(4.0 / 6, within(1e-12));
        assertThat(report.accuracy(0.0)).isCloseTo(3.0 / 6, within(1e-12));
    }

    @Test
    void reliabilityBinsAndCalibrationError() {
        List<PresenceReport.Bin> bins = report.reliability();
        assertThat(bins).hasSize(10);
        PresenceReport.Bin four = bins.get(4); // 0.4 present, 0.4 absent
        assertThat(four.count()).isEqualTo(2);
        assertThat(four.meanScore()).isCloseTo(0.4, within(1e-12));
        assertThat(four.presentShare()).isEqualTo(0.5);
        assertThat(bins.get(0).count()).isZero();
        assertThat(bins.get(0).meanScore()).isNaN();
        // |share - mean| weighted: bin1 0.1, bin4 2 x 0.1, bin5 0.5, bin6 0.4, bin9 0.1 -> 1.3 over 6
        assertThat(report.expectedCalibrationError()).isCloseTo(1.3 / 6, within(1e-12));
        assertThat(report.toJson().get("auroc").asDouble()).isCloseTo(7.5 / 9, within(1e-12));
    }

    @Test
    void scoresComeFromPredictionsAndAMissingScoreIsNamed() {
        Box b = Box.fromXyxy(0, 0, 10, 10);
        Prediction scored = new Prediction(3, "a", "vehicle", "q", 1, b, b, b, b, new double[] {0.5, 0.5, 1, 1}, 0.8);
        Prediction unscored = new Prediction(4, "a", "vehicle", "q", 1, b, b, b, b, new double[] {0.5, 0.5, 1, 1}, null);
        PresenceReport r = PresenceReport.of(List.of(scored), List.of(scored));
        assertThat(r.present()).containsExactly(0.8);
        assertThatThrownBy(() -> PresenceReport.of(List.of(scored), List.of(unscored)))
                .hasMessageContaining("sample 4").hasMessageContaining("no presence head");
    }

    @Test
    void diagramIsAPicture(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("reliability.png");
        report.writeDiagram(png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isGreaterThan(300);
        assertThat(image.getHeight()).isGreaterThan(image.getWidth()); // diagram above histogram
    }
}
