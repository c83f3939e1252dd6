package io.rsground.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.rsground.box.Box;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    // A: identical 10x10 boxes: intersection 100, union 100, IoU 1
    // B: 10x10 boxes shifted by 5 in x: intersection 5*10 = 50, union 100 + 100 - 50 = 150, IoU 1/3
    // C: disjoint 2x2 boxes: intersection 0, union 8, IoU 0
    private static final Box[][] CASES = {
        {Box.fromXyxy(0, 0, 10, 10), Box.fromXyxy(0, 0, 10, 10)},
        {Box.fromXyxy(0, 0, 10, 10), Box.fromXyxy(5, 0, 15, 10)},
        {Box.fromXyxy(0, 0, 2, 2), Box.fromXyxy(10, 10, 12, 12)},
    };

    @Test
    void handComputedCases() {
        Metrics m = new Metrics();
        for (Box[] c : CASES) {
            m.add(c[0], c[1]);
        }
        assertThat(m.samples()).isEqualTo(3);
        assertThat(m.precisionAt(0.5)).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(m.precisionAt(0.9)).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(m.meanIou()).isCloseTo((1 + 1.0 / 3 + 0) / 3, within(1e-12));
        // total intersection 150 over total union 258
        assertThat(m.cumIou()).isCloseTo(150.0 / 258, within(1e-12));
    }

    @Test
    void cumIouWeighsLargeBoxesUnlikeTheSeedFormula() {
        // one large exact hit and one small miss: areas decide cumIoU, so it stays near 1; the seed summed
        // coordinate differences (x2 - x1 + y2 - y1 style terms), which would give (200 + 0) / (200 + 4 + 4) here
        Metrics m = new Metrics();
        m.add(Box.fromXyxy(0, 0, 100, 100), Box.fromXyxy(0, 0, 100, 100));
        m.add(Box.fromXyxy(0, 0, 2, 2), Box.fromXyxy(50, 50, 52, 52));
        double areas = 10_000.0 / (10_000 + 8);
        double seedLike = 200.0 / 208;
        assertThat(m.cumIou()).isCloseTo(areas, within(1e-12)).isNotCloseTo(seedLike, within(1e-3));
        assertThat(m.meanIou()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void iouAtTheThresholdCounts() {
        Metrics m = new Metrics();
        // intersection 5 x 10 = 50 over union 100: IoU exactly 0.5 counts for Pr@0.5
        m.add(Box.fromXyxy(0, 0, 10, 10), Box.fromXyxy(0, 0, 5, 10));
        assertThat(m.precisionAt(0.5)).isEqualTo(1.0);
        assertThat(m.precisionAt(0.6)).isEqualTo(0.0);
        assertThat(new Metrics().toMap()).containsEntry("pr50", 0.0).containsEntry("cum_iou", 0.0);
    }

    @Test
    void reportJsonHasTheDocumentedShape() {
        List<Prediction> predictions = List.of(
                new Prediction(0, "a.jpg", "ship", "the ship", 2, CASES[0][1], CASES[0][0], CASES[0][1], CASES[0][0],
                        CASES[0][0].toCxcywh()),
                new Prediction(1, "a.jpg", "vehicle", "the red vehicle on the left", 6, CASES[1][1], CASES[1][0],
                        CASES[1][1], CASES[1][0], CASES[1][0].toCxcywh()));
        EvalReport report = new EvalReport("test", predictions);
        JsonNode json = report.toJson();
        assertThat(json.get("split").asText()).isEqualTo("test");
        assertThat(json.get("samples").asInt()).isEqualTo(2);
        for (String space : List.of("pixel", "normalized")) {
            assertThat(json.get(space).fieldNames()).toIterable()
                    .containsExactly("pr50", "pr60", "pr70", "pr80", "pr90", "mean_iou", "cum_iou");
            assertThat(json.get(space).get("pr50").asDouble()).isEqualTo(0.5);
        }
        assertThat(json.get("per_class").get("ship").get("pr50").asDouble()).isEqualTo(1.0);
        assertThat(json.get("per_class").get("vehicle").get("samples").asInt()).isEqualTo(1);
        // sample 0 is exact; sample 1: |cx| differs by 5 (L1 5), GIoU 1/3 (the hull equals the union)
        assertThat(report.boxLoss(1, 1).get("l1")).isCloseTo(2.5, within(1e-9));
        assertThat(report.boxLoss(1, 1).get("giou")).isCloseTo((0 + 2.0 / 3) / 2, within(1e-9));
        assertThat(report.toMarkdown()).contains("| pixels | 50.00% |").contains("| ship | 1 | 100.00% |")
                .contains("1-3 words").contains("6-7 words");
    }
}
