package io.rsground.box;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BoxTest {
    private static final double EPS = 1e-12;

    @Test
    void centreFormatRoundTripsThroughCorners() {
        Random random = new Random(7);
        for (int i = 0; i < 1000; i++) {
            double x1 = random.nextDouble() * 1000 - 500;
            double y1 = random.nextDouble() * 1000 - 500;
            Box box = Box.fromXyxy(x1, y1, x1 + random.nextDouble() * 300, y1 + random.nextDouble() * 300);
            Box back = Box.fromCxcywh(box.toCxcywh());
            assertThat(back.x1()).isCloseTo(box.x1(), within(1e-9));
            assertThat(back.y1()).isCloseTo(box.y1(), within(1e-9));
            assertThat(back.x2()).isCloseTo(box.x2(), within(1e-9));
            assertThat(back.y2()).isCloseTo(box.y2(), within(1e-9));
            assertThat(Box.fromXyxy(box.toXyxy())).isEqualTo(box);
        }
    }

    @Test
    void centreFormatByHand() {
        // centre (5, 4), size 2 x 6 -> x from 4 to 6, y from 1 to 7
        Box box = Box.fromCxcywh(5, 4, 2, 6);
        assertThat(box).isEqualTo(new Box(4, 1, 6, 7));
        assertThat(box.toCxcywh()).containsExactly(5, 4, 2, 6);
        assertThat(box.area()).isEqualTo(12);
    }

    @Test
    void disjointBoxes() {
        // A = [0,2]x[0,2] (area 4), B = [3,5]x[0,2] (area 4): no overlap, union 8,
        // hull [0,5]x[0,2] area 10 -> GIoU = 0 - (10 - 8) / 10 = -0.2
        Box a = Box.fromXyxy(0, 0, 2, 2);
        Box b = Box.fromXyxy(3, 0, 5, 2);
        assertThat(a.intersection(b)).isEqualTo(0);
        assertThat(a.union(b)).isEqualTo(8);
        assertThat(a.iou(b)).isEqualTo(0);
        assertThat(a.giou(b)).isCloseTo(-0.2, within(EPS));
    }

    @Test
    void farApartBoxesApproachMinusOne() {
        // unit squares at (0,0) and (99,99): union 2, hull 100 x 100 -> GIoU = -(10000 - 2) / 10000
        Box a = Box.fromXyxy(0, 0, 1, 1);
        Box b = Box.fromXyxy(99, 99, 100, 100);
        assertThat(a.giou(b)).isCloseTo(-0.9998, within(EPS));
    }

    @Test
    void nestedBoxes() {
        // outer [0,4]^2 (16), inner [1,3]^2 (4): intersection 4, union 16, IoU 0.25;
        // the hull is the outer box, so the penalty is 0 and GIoU = 0.25
        Box outer = Box.fromXyxy(0, 0, 4, 4);
        Box inner = Box.fromXyxy(1, 1, 3, 3);
        assertThat(outer.intersection(inner)).isEqualTo(4);
        assertThat(outer.iou(inner)).isCloseTo(0.25, within(EPS));
        assertThat(inner.iou(outer)).isCloseTo(0.25, within(EPS));
        assertThat(outer.giou(inner)).isCloseTo(0.25, within(EPS));
    }

    @Test
    void identicalBoxes() {
        Box a = Box.fromXyxy(1, 2, 4, 6);
        assertThat(a.iou(a)).isEqualTo(1);
        assertThat(a.giou(new Box(1, 2, 4, 6))).isEqualTo(1);
    }

    @Test
    void partialOverlap() {
        // [0,2]^2 and [1,3]^2 share [1,2]^2 (1); union 4 + 4 - 1 = 7; hull [0,3]^2 = 9
        // IoU = 1/7, GIoU = 1/7 - (9 - 7)/9 = 1/7 - 2/9 = -5/63
        Box a = Box.fromXyxy(0, 0, 2, 2);
        Box b = Box.fromXyxy(1, 1, 3, 3);
        assertThat(a.intersection(b)).isEqualTo(1);
        assertThat(a.union(b)).isEqualTo(7);
        assertThat(a.iou(b)).isCloseTo(1.0 / 7, within(EPS));
        assertThat(a.giou(b)).isCloseTo(-5.0 / 63, within(EPS));
        assertThat(b.giou(a)).isCloseTo(-5.0 / 63, within(EPS));
    }

    @Test
    void touchingBoxes() {
        // sharing an edge: [0,2]x[0,2] and [2,4]x[0,2]: intersection 0, union 8, hull [0,4]x[0,2] = 8 -> GIoU 0
        Box a = Box.fromXyxy(0, 0, 2, 2);
        Box edge = Box.fromXyxy(2, 0, 4, 2);
        assertThat(a.intersection(edge)).isEqualTo(0);
        assertThat(a.iou(edge)).isEqualTo(0);
        assertThat(a.giou(edge)).isCloseTo(0, within(EPS));
        // sharing a corner: [0,1]^2 and [1,2]^2: union 2, hull [0,2]^2 = 4 -> GIoU = -(4 - 2)/4 = -0.5
        Box c = Box.fromXyxy(0, 0, 1, 1);
        Box corner = Box.fromXyxy(1, 1, 2, 2);
        assertThat(c.iou(corner)).isEqualTo(0);
        assertThat(c.giou(corner)).isCloseTo(-0.5, within(EPS));
    }

    @Test
    void zeroAreaBoxes() {
        // a vertical segment x=1, y in [1,3] (area 0) against [0,2]^2 (area 4): intersection 0, union 4,
        // hull [0,2]x[0,3] = 6 -> GIoU = 0 - (6 - 4)/6 = -1/3
        Box line = Box.fromXyxy(1, 1, 1, 3);
        Box square = Box.fromXyxy(0, 0, 2, 2);
        assertThat(line.area()).isEqualTo(0);
        assertThat(line.intersection(square)).isEqualTo(0);
        assertThat(line.iou(square)).isEqualTo(0);
        assertThat(line.giou(square)).isCloseTo(-1.0 / 3, within(EPS));
        // two equal points: union and hull are empty; both measures are defined as 0, not NaN
        Box point = Box.fromXyxy(1, 1, 1, 1);
        assertThat(point.iou(point)).isEqualTo(0);
        assertThat(point.giou(point)).isEqualTo(0);
    }

    @Test
    void measuresAreSymmetricAndBounded() {
        Random random = new Random(11);
        for (int i = 0; i < 1000; i++) {
            Box a = randomBox(random);
            Box b = randomBox(random);
            double iou = a.iou(b);
            double giou = a.giou(b);
            assertThat(iou).isBetween(0.0, 1.0).isCloseTo(b.iou(a), within(EPS));
            assertThat(giou).isBetween(-1.0, 1.0).isCloseTo(b.giou(a), within(EPS)).isLessThanOrEqualTo(iou + EPS);
            assertThat(a.intersection(b)).isLessThanOrEqualTo(Math.min(a.area(), b.area()) + EPS);
        }
    }

    @Test
    void clampScaleTranslate() {
        // x1 -5 -> 0, x2 10 -> 8, y2 12 -> 8
        assertThat(Box.fromXyxy(-5, 3, 10, 12).clamp(0, 0, 8, 8)).isEqualTo(new Box(0, 3, 8, 8));
        // wholly outside: collapses onto the bottom-right corner of the rectangle
        assertThat(Box.fromXyxy(10, 10, 12, 12).clamp(0, 0, 8, 8)).isEqualTo(new Box(8, 8, 8, 8));
        assertThat(Box.fromXyxy(1, 2, 3, 4).scale(2, 0.5)).isEqualTo(new Box(2, 1, 6, 2));
        assertThat(Box.fromXyxy(1, 2, 3, 4).translate(1, -1)).isEqualTo(new Box(2, 1, 4, 3));
        Box enclosing = Box.fromXyxy(0, 5, 1, 6).enclosing(Box.fromXyxy(3, 1, 4, 2));
        assertThat(enclosing).isEqualTo(new Box(0, 1, 4, 6));
    }

    @Test
    void rejectsMalformedBoxes() {
        assertThatThrownBy(() -> Box.fromXyxy(5, 0, 1, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x1 <= x2").hasMessageContaining("5.0");
        assertThatThrownBy(() -> Box.fromXyxy(0, Double.NaN, 1, 2)).hasMessageContaining("finite");
        assertThatThrownBy(() -> Box.fromCxcywh(0, 0, -1, 2)).hasMessageContaining("width and height");
        assertThatThrownBy(() -> Box.fromXyxy(new double[3])).hasMessageContaining("3 values");
        assertThatThrownBy(() -> Box.fromXyxy(0, 0, 1, 1).clamp(0, 0, -1, 1)).hasMessageContaining("minX <= maxX");
    }

    private static Box randomBox(Random random) {
        double x = random.nextDouble() * 10;
        double y = random.nextDouble() * 10;
        // every tenth box degenerate
        double w = random.nextInt(10) == 0 ? 0 : random.nextDouble() * 5;
        return Box.fromXyxy(x, y, x + w, y + random.nextDouble() * 5);
    }
}
