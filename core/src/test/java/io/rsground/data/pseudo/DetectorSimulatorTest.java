package io.rsground.data.pseudo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rsground.box.Box;
import io.rsground.data.pseudo.DetectorSimulator.ErrorRates;
import io.rsground.data.pseudo.DetectorSimulator.Simulated;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The simulated detector's mistakes against their rates, counted over many draws. */
class DetectorSimulatorTest {

    private static final List<String> CLASSES = List.of("airplane", "ship", "vehicle");
    private static final List<double[]> SIZES = List.of(new double[] {40, 20});
    /** Far from every image border, so that no box is clamped. */
    private static final int SIDE = 4000;

    /** @return {@code n} labels of 100x50 px boxes in the middle of a {@link #SIDE} image, classes in turn */
    private static List<Detection> labels(int n) {
        List<Detection> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Detection(CLASSES.get(i % CLASSES.size()), new Box(1900, 1975, 2000, 2025), i + 1));
        }
        return out;
    }

    @Test
    void aPerfectDetectorReturnsEveryLabelWithItsBoxAndAScoreOfAtLeastAHalf() {
        List<Detection> labels = labels(30);
        List<Simulated> found = DetectorSimulator.detect(labels, SIDE, SIDE, CLASSES, SIZES,
                new ErrorRates(0, 0, 0, 0), new SplittableRandom(1));
        assertThat(found).hasSize(30);
        for (int i = 0; i < 30; i++) {
            Simulated s = found.get(i);
            assertThat(s.object()).isEqualTo(i);
            assertThat(s.detection().className()).isEqualTo(labels.get(i).className()).isEqualTo(s.trueClass());
            assertThat(s.detection().box().toXyxy()).containsExactly(labels.get(i).box().toXyxy(), within(1e-9));
            assertThat(s.iou()).isCloseTo(1.0, within(1e-12));
            assertThat(s.detection().score()).isBetween(0.5, 1.0);
            assertThat(s.right()).isTrue();
        }
    }

    @Test
    void missesSwapsAndFalseDetectionsComeAtTheirRates() {
        int n = 6000;
        List<Simulated> found = DetectorSimulator.detect(labels(n), SIDE, SIDE, CLASSES, SIZES,
                new ErrorRates(0.3, 0, 0.2, 0), new SplittableRandom(2));
        // binomial counts within 4 standard deviations
        assertThat((double) found.size()).isCloseTo(0.7 * n, within(4 * Math.sqrt(n * 0.3 * 0.7)));
        long swapped = found.stream().filter(s -> !s.trueClass().equals(s.detection().className())).count();
        assertThat((double) swapped).isCloseTo(0.2 * found.size(), within(4 * Math.sqrt(found.size() * 0.2 * 0.8)));
        // a swapped class is always another class, and its score carries half its IoU
        found.stream().filter(s -> !s.right()).forEach(s -> {
            assertThat(CLASSES).contains(s.detection().className());
            assertThat(s.detection().score()).isBetween(0.25, 0.75);
        });

        SplittableRandom rng = new SplittableRandom(3);
        int images = 4000;
        List<Simulated> falseOnes = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            falseOnes.addAll(DetectorSimulator.detect(List.of(), 640, 480, CLASSES, SIZES,
                    new ErrorRates(0, 0, 0, 0.5), rng));
        }
        assertThat((double) falseOnes.size()).isCloseTo(0.5 * images, within(4 * Math.sqrt(0.5 * images)));
        for (Simulated s : falseOnes) {
            assertThat(s.object()).isEqualTo(-1);
            assertThat(s.right()).isFalse();
            assertThat(s.detection().score()).isBetween(0.0, 0.5);
            Box b = s.detection().box();
            assertThat(b.width()).isCloseTo(40, within(1e-9));
            assertThat(b.height()).isCloseTo(20, within(1e-9));
            assertThat(b.x1()).isBetween(0.0, 600.0);
            assertThat(b.y2()).isBetween(20.0, 480.0);
        }
    }

    @Test
    void jitterMovesTheCentreAndScalesTheSidesByItsStandardDeviation() {
        int n = 8000;
        double jitter = 0.15;
        List<Detection> labels = labels(n);
        List<Simulated> found = DetectorSimulator.detect(labels, SIDE, SIDE, CLASSES, SIZES,
                new ErrorRates(0, jitter, 0, 0), new SplittableRandom(4));
        assertThat(found).hasSize(n);
        double[] shiftX = new double[n];
        double[] logW = new double[n];
        for (int i = 0; i < n; i++) {
            Box truth = labels.get(i).box();
            Box b = found.get(i).detection().box();
            shiftX[i] = (b.cx() - truth.cx()) / truth.width();
            logW[i] = Math.log(b.width() / truth.width());
            assertThat(found.get(i).iou()).isCloseTo(b.iou(truth), within(1e-12));
        }
        // the sample standard deviation of n normals is within 4 % of the true one at n = 8000
        assertThat(standardDeviation(shiftX)).isCloseTo(jitter, within(0.04 * jitter));
        assertThat(standardDeviation(logW)).isCloseTo(jitter, within(0.04 * jitter));
        double meanIou = found.stream().mapToDouble(Simulated::iou).average().orElseThrow();
        assertThat(meanIou).isBetween(0.5, 0.95);
    }

    @Test
    void poissonDrawsHaveTheirMeanAsMeanAndVariance() {
        SplittableRandom rng = new SplittableRandom(5);
        int n = 20000;
        double[] draws = new double[n];
        for (int i = 0; i < n; i++) {
            draws[i] = DetectorSimulator.poisson(2.0, rng);
        }
        double mean = java.util.Arrays.stream(draws).average().orElseThrow();
        assertThat(mean).isCloseTo(2.0, within(4 * Math.sqrt(2.0 / n)));
        assertThat(Math.pow(standardDeviation(draws), 2)).isCloseTo(2.0, within(0.1));
        assertThat(DetectorSimulator.poisson(0, rng)).isZero();
    }

    @Test
    void theSameSeedAndImageGiveTheSameDetections() {
        ErrorRates rates = new ErrorRates(0.2, 0.1, 0.1, 1.0);
        List<Simulated> a = DetectorSimulator.detect(labels(20), 3000, 3000, CLASSES, SIZES, rates,
                DetectorSimulator.imageRandom(7, "00012"));
        List<Simulated> b = DetectorSimulator.detect(labels(20), 3000, 3000, CLASSES, SIZES, rates,
                DetectorSimulator.imageRandom(7, "00012"));
        List<Simulated> other = DetectorSimulator.detect(labels(20), 3000, 3000, CLASSES, SIZES, rates,
                DetectorSimulator.imageRandom(8, "00012"));
        assertThat(a).isEqualTo(b).isNotEqualTo(other);
    }

    @Test
    void ratesOutsideTheirRangeAreRefusedByName() {
        assertThatThrownBy(() -> new ErrorRates(-0.1, 0, 0, 0)).hasMessageContaining("--miss");
        assertThatThrownBy(() -> new ErrorRates(0, 0, 1.5, 0)).hasMessageContaining("--confuse");
        assertThatThrownBy(() -> new ErrorRates(0, Double.NaN, 0, 0)).hasMessageContaining("--jitter");
        assertThatThrownBy(() -> new ErrorRates(0, 0, 0, -1)).hasMessageContaining("--false-per-image");
        assertThatThrownBy(() -> new Detection("ship", new Box(0, 0, 1, 1), 0, 1.2))
                .hasMessageContaining("score");
    }

    private static double standardDeviation(double[] x) {
        double mean = java.util.Arrays.stream(x).average().orElseThrow();
        double s = 0;
        for (double v : x) {
            s += (v - mean) * (v - mean);
        }
        return Math.sqrt(s / (x.length - 1));
    }
}
