package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/**
 * The loss plot compares like with like (the training box loss against the validation box loss), and shows the
 * objective with its weighted terms where each can be read; stage 1 has its own picture.
 */
class TrainingPlotsTest {
    private static final Map<String, Double> WEIGHTS = Map.of("l1", 2.0, "giou", 1.0, "referent", 0.5);

    static EpochLog epoch(int n, double objective, Map<String, Double> terms, double valLoss) {
        return new EpochLog(n, objective, terms, valLoss, Map.of("pr50", 0.1, "mean_iou", 0.2), Map.of(), 1, 1, 0);
    }

    @Test
    void trainingCurveIsTheWeightedBoxLossNotTheObjective() {
        // objective 5.0 includes auxiliary terms; the box part is 2 x 0.3 + 1 x 0.5
        EpochLog e = epoch(1, 5.0, Map.of("l1", 0.3, "giou", 0.5, "referent", 0.4), 1.2);
        assertThat(TrainingPlots.trainingBoxLoss(e, 2, 1)).isCloseTo(1.1, within(1e-12));
        // an objective without the two terms is plotted as it is
        assertThat(TrainingPlots.trainingBoxLoss(epoch(1, 2.5, Map.of("other", 1.0), 1.2), 1, 1)).isEqualTo(2.5);
    }

    @Test
    void writesBothPictures(@TempDir Path dir) throws Exception {
        TrainingPlots.write(dir, List.of(epoch(1, 0.8, Map.of("l1", 0.3, "giou", 0.5), 1.2),
                epoch(2, 0.6, Map.of("l1", 0.2, "giou", 0.4), 1.1)));
        assertThat(dir.resolve("loss.png")).isNotEmptyFile();
        assertThat(dir.resolve("metrics.png")).isNotEmptyFile();
        // no auxiliary term: one panel
        assertThat(ImageIO.read(dir.resolve("loss.png").toFile()).getWidth()).isEqualTo(800);
    }

    @Test
    void theObjectiveAndItsWeightedTermsHaveAPanelOfTheirOwnOnALogAxis(@TempDir Path dir) throws Exception {
        // the objective 2 x 0.3 + 0.5 + 0.5 x 40 = 21.1 would flatten the box loss (1.1) on one linear axis
        List<EpochLog> history = List.of(epoch(1, 21.1, Map.of("l1", 0.3, "giou", 0.5, "referent", 40.0), 1.2),
                epoch(2, 11.0, Map.of("l1", 0.25, "giou", 0.5, "referent", 20.0), 1.1));
        List<XYChart> charts = TrainingPlots.lossCharts(history, WEIGHTS);

        assertThat(charts).hasSize(2);
        XYChart box = charts.get(0);
        assertThat(box.getTitle()).isEqualTo("Box loss per epoch: 2 \u00d7 L1 + 1 \u00d7 GIoU");
        assertThat(box.getSeriesMap()).containsOnlyKeys("training", "validation");
        assertThat(box.getSeriesMap().get("training").getYData()).containsExactly(1.1, 1.0);
        XYChart objective = charts.get(1);
        assertThat(objective.getTitle()).contains("objective", "weighted terms", "log scale");
        assertThat(objective.getStyler().isYAxisLogarithmic()).isTrue();
        assertThat(objective.getSeriesMap()).containsKeys("objective", "2 \u00d7 l1", "1 \u00d7 giou",
                "0.5 \u00d7 referent");
        XYSeries referent = objective.getSeriesMap().get("0.5 \u00d7 referent");
        assertThat(referent.getYData()).containsExactly(20.0, 10.0);

        TrainingPlots.write(dir, history, WEIGHTS);
        BufferedImage picture = ImageIO.read(dir.resolve("loss.png").toFile());
        assertThat(picture.getWidth()).as("two panels side by side").isEqualTo(1600);
    }

    @Test
    void stageOneGetsItsOwnPictureOfLossTermsAndAccuracy(@TempDir Path dir) throws Exception {
        List<Integer> steps = new ArrayList<>();
        List<Map<String, Double>> terms = new ArrayList<>();
        for (int s = 10; s <= 50; s += 10) {
            steps.add(s);
            terms.add(Map.of("classes", 0.7 / s, "box", 3.0 / s, "box_l1", 0.2 / s, "position", 0.05 / s,
                    "class_accuracy", s / 60.0));
        }
        List<XYChart> charts = TrainingPlots.stageCharts("Vision pre-training (stage 1)", steps, terms);

        assertThat(charts).hasSize(2);
        assertThat(charts.get(0).getTitle()).startsWith("Vision pre-training (stage 1): loss terms").endsWith(
                "log scale");
        assertThat(charts.get(0).getSeriesMap()).containsOnlyKeys("classes", "box", "box_l1", "position");
        assertThat(charts.get(1).getSeriesMap()).containsOnlyKeys("class_accuracy");
        Path file = dir.resolve("pretrain-vision.png");
        TrainingPlots.writeStage(file, "Vision pre-training (stage 1)", steps, terms);
        assertThat(ImageIO.read(file.toFile()).getWidth()).isEqualTo(1600);
    }
}
