package io.rsground.data.pseudo;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.box.Box;
import io.rsground.data.pseudo.PseudoExpression.Wording;
import io.rsground.data.pseudo.PseudoPlanner.Item;
import io.rsground.data.pseudo.PseudoPlanner.Outcome;
import io.rsground.data.synth.NamedColour;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Hand-placed objects in a 400 x 400 image, with the expression or the skip reason each arrangement calls for. */
class PseudoPlannerTest {

    private static final int SIDE = 400;

    private static Item item(int index, String cls, double x1, double y1, double x2, double y2, NamedColour c) {
        return new Item(index, cls, new Box(x1, y1, x2, y2), c == null ? null
                : new ColourMeter.Measured(c, c.word(), 1.0), 1.0);
    }

    private static String relation(Item o, List<Item> all) {
        Outcome r = PseudoPlanner.relation(o, all, SIDE, SIDE, new SplittableRandom(1), Wording.PLAIN);
        return r.expression() == null ? r.skipped().name() : r.expression().text();
    }

    @Test
    void relationsSayWhereTheObjectLiesFromTheNearestNameableObject() {
        Item tank = item(0, "storagetank", 200, 200, 240, 240, NamedColour.WHITE);
        Item left = item(1, "vehicle", 150, 210, 160, 220, NamedColour.RED); // 40 px left, level with the tank
        Item below = item(2, "vehicle", 215, 300, 225, 310, NamedColour.RED); // 60 px below
        Item corner = item(3, "vehicle", 242, 242, 252, 252, NamedColour.RED); // diagonal, 2.8 px away
        assertThat(relation(left, List.of(tank, left))).isEqualTo("the vehicle to the left of the storage tank");
        assertThat(relation(below, List.of(tank, below))).isEqualTo("the vehicle below the storage tank");
        assertThat(relation(corner, List.of(tank, corner))).isEqualTo("the vehicle next to the storage tank");
    }

    @Test
    void aRivalOnTheSameSideOrAnAnchorThatCannotBeNamedIsASkip() {
        Item tank = item(0, "storagetank", 200, 200, 240, 240, NamedColour.WHITE);
        Item left = item(1, "vehicle", 150, 210, 160, 220, null);
        Item alsoLeft = item(2, "vehicle", 100, 190, 110, 200, null); // farther, same side: within twice the reach
        assertThat(relation(left, List.of(tank, left, alsoLeft))).isEqualTo("RELATION_RIVAL");
        Item otherTank = item(3, "storagetank", 10, 10, 50, 50, NamedColour.GRAY); // gray may be taken for white
        assertThat(relation(left, List.of(tank, left, otherTank))).isEqualTo("RELATION_ANCHOR_AMBIGUOUS");
        Item blueTank = item(3, "storagetank", 10, 10, 50, 50, NamedColour.BLUE);
        assertThat(relation(left, List.of(tank, left, blueTank)))
                .isEqualTo("the vehicle to the left of the white storage tank");
        Item far = item(1, "vehicle", 0, 380, 10, 390, null); // more than 0.25 x 400 px from the tank
        assertThat(relation(far, List.of(tank, far))).isEqualTo("RELATION_TOO_FAR");
        assertThat(relation(left, List.of(left, alsoLeft))).isEqualTo("RELATION_NO_OTHER_CLASS");
    }

    @Test
    void templatesUseOnlyAttributesNoOtherObjectOfTheClassShares() {
        Item big = item(0, "ship", 20, 20, 120, 60, NamedColour.RED); // upper left, size sqrt(4000) = 63
        Item small = item(1, "ship", 300, 300, 330, 315, NamedColour.ORANGE); // lower right, size 21
        List<Item> all = List.of(big, small);
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (int seed = 0; seed < 40; seed++) {
            seen.add(PseudoPlanner.template(big, all, SIDE, SIDE, new SplittableRandom(seed), Wording.PLAIN).expression().text());
        }
        // red and orange are neighbours, so colour alone is never used
        assertThat(seen).containsExactlyInAnyOrder("the ship on the upper left", "the largest ship");
        Item twin = item(1, "ship", 140, 20, 240, 60, NamedColour.RED); // same colour, size and row, next cell
        Outcome r = PseudoPlanner.template(big, List.of(big, twin), SIDE, SIDE, new SplittableRandom(1), Wording.PLAIN);
        assertThat(r.expression().text()).isEqualTo("the ship on the upper left");
        Item sameCell = item(1, "ship", 25, 70, 125, 110, NamedColour.RED);
        assertThat(PseudoPlanner.template(big, List.of(big, sameCell), SIDE, SIDE, new SplittableRandom(1), Wording.PLAIN)
                .skipped()).isEqualTo(SkipReason.TEMPLATE_AMBIGUOUS);
        Item unmeasured = item(0, "ship", 20, 20, 120, 60, null);
        assertThat(PseudoPlanner.template(unmeasured, List.of(unmeasured, sameCell), SIDE, SIDE,
                new SplittableRandom(1), Wording.PLAIN).skipped()).isEqualTo(SkipReason.TEMPLATE_NO_COLOUR);
    }

    @Test
    void variedWordingAddsPositionSuperlativesAndSaysTheSameInOtherWords() {
        Item west = item(0, "ship", 20, 180, 60, 200, NamedColour.RED); // centre x 40, others 200 px and more east
        Item mid = item(1, "ship", 220, 170, 260, 210, NamedColour.RED);
        Item east = item(2, "ship", 330, 190, 370, 210, NamedColour.RED);
        List<Item> all = List.of(west, mid, east);
        java.util.Set<String> plain = new java.util.TreeSet<>();
        java.util.Set<String> varied = new java.util.TreeSet<>();
        for (int seed = 0; seed < 60; seed++) {
            plain.add(PseudoPlanner.template(west, all, SIDE, SIDE, new SplittableRandom(seed), Wording.PLAIN)
                    .expression().text());
            varied.add(PseudoPlanner.template(west, all, SIDE, SIDE, new SplittableRandom(seed), Wording.VARIED)
                    .expression().text());
        }
        // same colour and the middle row for all three: plain has only the region, the west ship's cell alone
        assertThat(plain).containsExactly("the ship on the left");
        assertThat(varied).contains("the leftmost ship", "the ship on the far left", "the ship farthest to the left",
                "the ship on the left side", "the ship at the left edge", "the ship located on the left");
        Item tank = item(3, "storagetank", 200, 200, 240, 240, NamedColour.WHITE);
        Item corner = item(4, "vehicle", 242, 242, 252, 252, NamedColour.RED);
        java.util.Set<String> nextTo = new java.util.TreeSet<>();
        for (int seed = 0; seed < 40; seed++) {
            nextTo.add(PseudoPlanner.relation(corner, List.of(tank, corner), SIDE, SIDE, new SplittableRandom(seed),
                    Wording.VARIED).expression().text());
        }
        assertThat(nextTo).containsExactlyInAnyOrder("the vehicle next to the storage tank",
                "the vehicle beside the storage tank", "the vehicle near the storage tank",
                "the vehicle close to the storage tank");
    }
}
