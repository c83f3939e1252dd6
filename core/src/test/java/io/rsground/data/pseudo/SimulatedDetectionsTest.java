package io.rsground.data.pseudo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.data.ProgressListener;
import io.rsground.data.pseudo.DetectorSimulator.ErrorRates;
import io.rsground.data.pseudo.DetectorSimulator.Simulated;
import io.rsground.data.synth.SceneGenerator;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A simulated detector's COCO file read back by the COCO reader, and {@code pseudo --min-score} on it. */
class SimulatedDetectionsTest {

    private static final ErrorRates RATES = new ErrorRates(0.2, 0.1, 0.2, 1.0);

    @TempDir
    static Path dir;
    static Path data;
    static Path out;
    static SimulatedDetections.Summary summary;

    @BeforeAll
    static void simulate() throws IOException {
        data = dir.resolve("data");
        SceneGenerator.generate(data, 10, 256, 4, 1, ProgressListener.NONE);
        out = dir.resolve("detections");
        summary = SimulatedDetections.run(new SimulatedDetections.Options(data, DetectionFormat.VOC, out, RATES, 3,
                false), ProgressListener.NONE);
    }

    @Test
    void theCocoReaderReadsBackWhatTheSimulatorDetectsImageByImage() throws IOException {
        DetectionSet labels = DetectionFormat.VOC.read(data);
        DetectionSet read = DetectionFormat.COCO.read(out);
        assertThat(read.problems()).isEmpty();
        assertThat(read.images()).extracting(DetectionImage::id)
                .containsExactlyElementsOf(labels.images().stream().map(DetectionImage::id).toList());
        List<String> classes = List.copyOf(labels.images().stream().flatMap(i -> i.objects().stream())
                .map(Detection::className).collect(java.util.stream.Collectors.toCollection(TreeSet::new)));
        List<double[]> sizes = labels.images().stream().flatMap(i -> i.objects().stream())
                .map(d -> new double[] {d.box().width(), d.box().height()}).toList();
        int detections = 0;
        int right = 0;
        for (int i = 0; i < labels.images().size(); i++) {
            DetectionImage image = labels.images().get(i);
            List<Simulated> expected = DetectorSimulator.detect(image.objects(), 256, 256, classes, sizes, RATES,
                    DetectorSimulator.imageRandom(3, image.id()));
            List<Detection> got = read.images().get(i).objects();
            assertThat(read.images().get(i).imageFile().toRealPath()).isEqualTo(image.imageFile().toRealPath());
            assertThat(got).hasSameSizeAs(expected);
            for (int k = 0; k < got.size(); k++) {
                Detection e = expected.get(k).detection();
                assertThat(got.get(k).className()).isEqualTo(e.className());
                assertThat(got.get(k).score()).isEqualTo(e.score());
                assertThat(got.get(k).box().toXyxy()).containsExactly(e.box().toXyxy(), within(1e-9));
                right += expected.get(k).right() ? 1 : 0;
            }
            detections += got.size();
        }
        assertThat(summary.detections()).isEqualTo(detections).isPositive();
        assertThat(summary.right()).isEqualTo(right);
        assertThat(summary.found() + summary.falseDetections()).isEqualTo(detections);
        assertThat(summary.falseDetections()).isPositive();
        assertThat(summary.images()).isEqualTo(10);
        assertThat(summary.objects()).isEqualTo(labels.images().stream().mapToInt(i -> i.objects().size()).sum());
    }

    @Test
    void eachDetectionRecordsWhatItTrulyIs() throws IOException {
        JsonNode coco = new ObjectMapper().readTree(out.resolve(SimulatedDetections.FILE).toFile());
        int falseOnes = 0;
        for (JsonNode a : coco.get("annotations")) {
            JsonNode truth = a.get("simulation");
            if (truth.get("object").isNull()) {
                falseOnes++;
                assertThat(truth.get("iou").asDouble()).isZero();
                assertThat(a.get("score").asDouble()).isLessThan(0.5);
            } else {
                assertThat(truth.get("class").asText()).isNotEmpty();
                assertThat(truth.get("iou").asDouble()).isBetween(0.0, 1.0);
            }
        }
        assertThat(falseOnes).isEqualTo(summary.falseDetections());
    }

    @Test
    void pseudoDropsDetectionsBelowTheMinimumScore() throws IOException {
        List<Double> scores = new ArrayList<>();
        DetectionFormat.COCO.read(out).images().forEach(i -> i.objects().forEach(d -> scores.add(d.score())));
        long below = scores.stream().filter(s -> s < 0.6).count();
        assertThat(below).isPositive().isLessThan(scores.size());
        PseudoWriter.Summary s = PseudoLabeler.run(new PseudoLabeler.Options(out, DetectionFormat.COCO,
                dir.resolve("pseudo"), EnumSet.of(PseudoExpression.Source.TEMPLATE), 0, 0, false, java.util.Set.of(),
                0.6, PseudoExpression.Wording.VARIED), ProgressListener.NONE);
        assertThat(s.tally().belowScore()).isEqualTo((int) below);
        assertThat(s.tally().objects()).isEqualTo(scores.size() - (int) below);
        assertThatThrownBy(() -> new PseudoLabeler.Options(out, DetectionFormat.COCO, dir.resolve("x"),
                EnumSet.of(PseudoExpression.Source.TEMPLATE), 0, 0, false, java.util.Set.of(), 1.5,
                PseudoExpression.Wording.VARIED))
                .hasMessageContaining("--min-score");
    }

    @Test
    void anEarlierRunIsReplacedOnlyWhenAsked() throws IOException {
        assertThatThrownBy(() -> SimulatedDetections.run(new SimulatedDetections.Options(data, DetectionFormat.VOC,
                out, RATES, 3, false), ProgressListener.NONE)).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("--overwrite");
        SimulatedDetections.Summary again = SimulatedDetections.run(new SimulatedDetections.Options(data,
                DetectionFormat.VOC, out, RATES, 3, true), ProgressListener.NONE);
        assertThat(again.detections()).isEqualTo(summary.detections());
        assertThat(again.right()).isEqualTo(summary.right());
    }
}
