package io.rsground.data.synth;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.box.Box;
import io.rsground.data.synth.Referring.Superlative;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Hand-made scenes on an 800x800 image, where what each expression selects is worked out by hand. */
class ReferringTest {

    private static SceneObject obj(int id, SceneClass c, NamedColour colour, double length, double cx, double cy) {
        double h = length / 2;
        SizeClass size = SizeClass.of((length - c.minLength()) / (c.maxLength() - c.minLength()));
        return new SceneObject(id, c, colour, size, length, 0, new Box(cx - h, cy - h, cx + h, cy + h), null,
                null);
    }

    // vehicles: white small top-left, white large bottom-right, red medium centre; a white ship near the red one
    private final SceneObject whiteSmall = obj(0, SceneClass.VEHICLE, NamedColour.WHITE, 16, 100, 100);
    private final SceneObject whiteLarge = obj(1, SceneClass.VEHICLE, NamedColour.WHITE, 29, 700, 700);
    private final SceneObject red = obj(2, SceneClass.VEHICLE, NamedColour.RED, 22, 400, 400);
    private final SceneObject ship = obj(3, SceneClass.SHIP, NamedColour.WHITE, 60, 400, 450);
    private final List<SceneObject> scene = List.of(whiteSmall, whiteLarge, red, ship);

    private List<SceneObject> select(Referring r) {
        return r.select(scene, 800, 800);
    }

    @Test
    void attributesFilterAndSuperlativesNeedAClearMargin() {
        Referring vehicle = Referring.of(SceneClass.VEHICLE);
        assertThat(select(vehicle)).containsExactly(whiteSmall, whiteLarge, red);
        assertThat(select(vehicle.withColour(NamedColour.RED))).containsExactly(red);
        assertThat(select(vehicle.withColour(NamedColour.WHITE))).containsExactly(whiteSmall, whiteLarge);
        // 29 >= 1.25 * 22 = 27.5: the large white one is the largest of all vehicles
        assertThat(select(vehicle.withSuperlative(Superlative.LARGEST))).containsExactly(whiteLarge);
        // 16 * 1.25 = 20 <= 22: the small one is the smallest
        assertThat(select(vehicle.withSuperlative(Superlative.SMALLEST))).containsExactly(whiteSmall);
        assertThat(select(vehicle.withSuperlative(Superlative.LEFTMOST))).containsExactly(whiteSmall);
        assertThat(select(vehicle.withSuperlative(Superlative.BOTTOMMOST))).containsExactly(whiteLarge);
        // grid cells are thirds: 100 -> column 0, 400 -> 1, 700 -> 2
        assertThat(select(vehicle.withRegion(GridRegion.UPPER_LEFT))).containsExactly(whiteSmall);
        assertThat(select(vehicle.withRegion(GridRegion.MIDDLE))).containsExactly(red);
        assertThat(select(vehicle.withRegion(GridRegion.TOP))).isEmpty();
        // sizes: (16-15)/15 small, (29-15)/15 large, (22-15)/15 medium
        assertThat(select(vehicle.withSize(SizeClass.LARGE))).containsExactly(whiteLarge);
        assertThat(select(vehicle.withSize(SizeClass.SMALL))).containsExactly(whiteSmall);
    }

    @Test
    void nextToMeansWithinFivePercentOfTheImageSide() {
        Referring shipAnchor = Referring.of(SceneClass.SHIP).withColour(NamedColour.WHITE);
        // red vehicle box y2 = 411, ship box y1 = 420: gap 9 px <= 40 px; the others are hundreds of px away
        assertThat(Referring.gap(red.box(), ship.box())).isEqualTo(9.0);
        assertThat(select(Referring.of(SceneClass.VEHICLE).withAnchor(shipAnchor))).containsExactly(red);
        // an anchor that is not unique selects nothing
        SceneObject ship2 = obj(4, SceneClass.SHIP, NamedColour.WHITE, 60, 100, 700);
        assertThat(Referring.of(SceneClass.VEHICLE).withAnchor(shipAnchor)
                .select(List.of(whiteSmall, whiteLarge, red, ship, ship2), 800, 800)).isEmpty();
        // diagonal gap: boxes [0,10]x[0,10] and [13,20]x[14,20] are 5 px apart
        assertThat(Referring.gap(new Box(0, 0, 10, 10), new Box(13, 14, 20, 20))).isEqualTo(5.0);
    }

    @Test
    void superlativeAppliesAfterTheFilters() {
        Referring whiteLargest = Referring.of(SceneClass.VEHICLE).withColour(NamedColour.WHITE)
                .withSuperlative(Superlative.LARGEST);
        assertThat(select(whiteLargest)).containsExactly(whiteLarge);
        // without a clear margin nobody is the largest: 29 < 1.25 * 24
        SceneObject white24 = obj(5, SceneClass.VEHICLE, NamedColour.WHITE, 24, 400, 100);
        assertThat(whiteLargest.select(List.of(whiteSmall, whiteLarge, white24), 800, 800)).isEmpty();
    }

    @Test
    void plannerDescribesOnlyWhatItCanSingleOut() {
        // two identical white vehicles side by side in one cell, and nothing else: neither can be singled out
        SceneObject a = obj(0, SceneClass.VEHICLE, NamedColour.WHITE, 20, 380, 400);
        SceneObject b = obj(1, SceneClass.VEHICLE, NamedColour.WHITE, 20, 420, 400);
        List<SceneObject> planned = ReferringPlanner.plan(List.of(a, b), 800, 800, new SplittableRandom(1));
        assertThat(planned).noneMatch(SceneObject::described);
        // a lone object is always described, by a record naming its class
        planned = ReferringPlanner.plan(List.of(ship), 800, 800, new SplittableRandom(1));
        assertThat(planned.get(0).referring().sceneClass()).isEqualTo(SceneClass.SHIP);
        assertThat(planned.get(0).description()).contains("ship");
        // in the hand-made scene the red vehicle is singled out, whatever the random choice
        for (int seed = 0; seed < 20; seed++) {
            List<SceneObject> p = ReferringPlanner.plan(scene, 800, 800, new SplittableRandom(seed));
            assertThat(p).allMatch(SceneObject::described);
            assertThat(p.get(2).referring().select(scene, 800, 800)).containsExactly(red);
        }
    }

    @Test
    void writtenTextReadsBackToTheSameRecord() {
        List<Referring> records = List.of(
                Referring.of(SceneClass.STORAGE_TANK),
                Referring.of(SceneClass.VEHICLE).withColour(NamedColour.GRAY).withRegion(GridRegion.LOWER_LEFT),
                Referring.of(SceneClass.STORAGE_TANK).withSize(SizeClass.LARGE)
                        .withAnchor(Referring.of(SceneClass.SHIP).withColour(NamedColour.WHITE)),
                Referring.of(SceneClass.AIRPLANE).withRegion(GridRegion.TOP).withSuperlative(Superlative.LARGEST),
                Referring.of(SceneClass.GROUND_TRACK_FIELD).withSuperlative(Superlative.TOPMOST),
                Referring.of(SceneClass.TENNIS_COURT).withRegion(GridRegion.LEFT).withSuperlative(Superlative.LEFTMOST),
                Referring.of(SceneClass.BASKETBALL_COURT).withColour(NamedColour.ORANGE)
                        .withSuperlative(Superlative.SMALLEST));
        for (Referring r : records) {
            for (int seed = 0; seed < 30; seed++) {
                String text = ExpressionWriter.write(r, new SplittableRandom(seed));
                assertThat(ExpressionParser.parse(text)).as(text).isEqualTo(r);
                assertThat(text).isEqualTo(text.toLowerCase(java.util.Locale.ROOT)).doesNotContain("  ");
            }
        }
        assertThat(ExpressionWriter.write(records.get(0), new SplittableRandom(1))).isEqualTo("the storage tank");
    }
}
