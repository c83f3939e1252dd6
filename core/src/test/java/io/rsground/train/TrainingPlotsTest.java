package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loss plot compares like with like: the training box loss against the validation box loss. */
class TrainingPlotsTest {

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
        TrainingPlots.write(dir, List.of(epoch(1, 5, Map.of("l1", 0.3, "giou", 0.5), 1.2),
                epoch(2, 4, Map.of("l1", 0.2, "giou", 0.4), 1.1)));
        assertThat(dir.resolve("loss.png")).isNotEmptyFile();
        assertThat(dir.resolve("metrics.png")).isNotEmptyFile();
    }
}
