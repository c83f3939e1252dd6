package io.rsground.scratch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rsground.box.Box;
import org.junit.jupiter.api.Test;

/** Coverage targets against values worked out by hand on an 8 x 8 canvas of 4 x 4 patches (2 x 2 grid). */
class PatchTargetsTest {

    private static void assertValues(float[] actual, double... expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("patch %d", i).isCloseTo(expected[i], within(1e-6));
        }
    }

    @Test
    void boxAcrossTwoPatchesGivesEachItsShareOfTheBox() {
        // box 4 x 2 = 8 px, smaller than a patch (16): each top patch holds 2 x 2 = 4 of its 8 px
        assertValues(PatchTargets.coverage(new Box(2, 2, 6, 4), 8, 4), 0.5, 0.5, 0, 0);
    }

    @Test
    void boxInsideOnePatchCoversItFully() {
        assertValues(PatchTargets.coverage(new Box(1, 1, 2, 3), 8, 4), 1, 0, 0, 0);
    }

    @Test
    void largeBoxGivesEachPatchItsShareOfThePatch() {
        // box 8 x 6: top patches inside it, bottom patches 4 x 2 = 8 of 16 px
        assertValues(PatchTargets.coverage(new Box(0, 0, 8, 6), 8, 4), 1, 1, 0.5, 0.5);
    }

    @Test
    void partsOutsideTheCanvasAndEmptyBoxes() {
        // 4 x 4 box half outside on both axes: 2 x 2 of it inside patch 0
        assertValues(PatchTargets.coverage(new Box(-2, -2, 2, 2), 8, 4), 0.25, 0, 0, 0);
        assertValues(PatchTargets.coverage(new Box(3, 3, 3, 7), 8, 4), 0, 0, 0, 0);
        assertValues(PatchTargets.coverage(new Box(9, 9, 12, 12), 8, 4), 0, 0, 0, 0);
    }

    @Test
    void referentTargetsReadNormalisedCentreBoxesPerSample() {
        // sample 0: (2,2)-(6,4) as cx,cy,w,h / 8; sample 1: (0,0)-(8,6)
        float[] boxes = {0.5f, 0.375f, 0.5f, 0.25f, 0.5f, 0.375f, 1f, 0.75f};
        assertValues(PatchTargets.referent(boxes, 2, 8, 4), 0.5, 0.5, 0, 0, 1, 1, 0.5, 0.5);
    }

    @Test
    void patchMustDivideTheCanvas() {
        assertThatThrownBy(() -> PatchTargets.coverage(new Box(0, 0, 1, 1), 10, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("patch size 4")
                .hasMessageContaining("10");
        assertThatThrownBy(() -> PatchTargets.referent(new float[3], 1, 8, 4))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("need 4 values");
    }
}
