package io.rsground.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.box.Box;
import io.rsground.data.synth.SceneObjects.LabeledBox;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which queries count as naming an object that is not in an image. */
class AbsentQueriesTest {
    private static final Path A = Path.of("images/a.jpg");
    private static final Path B = Path.of("images/b.jpg");
    private static final Box LEFT = Box.fromXyxy(0, 0, 10, 10);
    private static final Box RIGHT = Box.fromXyxy(50, 50, 60, 60);

    private static Sample sample(int index, Path image, String cls, Box box, String query) {
        return new Sample(index, image.getFileName().toString(), image, 100, 100, cls, box, query, null, index);
    }

    // image a: a red vehicle; image b: a white vehicle and a gray storage tank
    private final Map<Path, List<LabeledBox>> objects = Map.of(
            A, List.of(new LabeledBox(LEFT, "vehicle", "red")),
            B, List.of(new LabeledBox(LEFT, "vehicle", "white"), new LabeledBox(RIGHT, "storagetank", "gray")));
    private final Sample redVehicle = sample(0, A, "vehicle", LEFT, "the red vehicle on the left");
    private final Sample whiteVehicle = sample(1, B, "vehicle", LEFT, "the white vehicle on the left");
    private final Sample plainVehicle = sample(2, B, "vehicle", LEFT, "the vehicle on the left");
    private final Sample tank = sample(3, B, "storagetank", RIGHT, "the gray storagetank");

    @Test
    void aClassTheImageLacksIsAbsent() {
        AbsentQueries q = new AbsentQueries(List.of(redVehicle, tank), objects);
        assertThat(q.isAbsent(tank, objects.get(A))).isTrue();
        assertThat(q.draw(redVehicle, 7)).isEqualTo("the gray storagetank");
    }

    @Test
    void aNamedColourNoObjectOfTheClassHasIsAbsent() {
        AbsentQueries q = new AbsentQueries(List.of(redVehicle, whiteVehicle, plainVehicle, tank), objects);
        assertThat(q.isAbsent(whiteVehicle, objects.get(A))).isTrue(); // a has a vehicle, but a red one
        assertThat(q.isAbsent(redVehicle, objects.get(B))).isTrue();
        assertThat(q.isAbsent(plainVehicle, objects.get(A))).isFalse(); // "the vehicle" may be a's red one
        assertThat(q.isAbsent(redVehicle, List.of(new LabeledBox(RIGHT, "vehicle", "red")))).isFalse();
    }

    @Test
    void theColourMustQualifyTheClassWord() {
        assertThat(AbsentQueries.namesColour("The red vehicle on the left", "red", "vehicle")).isTrue();
        assertThat(AbsentQueries.namesColour("the vehicle that is red", "red", "vehicle")).isFalse();
        assertThat(AbsentQueries.namesColour("the red roof beside the vehicle", "red", "vehicle")).isFalse();
        assertThat(AbsentQueries.namesColour("a bright red vehicle", "red", "vehicle")).isTrue();
    }

    @Test
    void noQueryFromTheSameImageAndNoneWhenNothingIsAbsent() {
        // b's own expressions all name b's objects; a's only one names a vehicle of a colour b lacks
        AbsentQueries onlyB = new AbsentQueries(List.of(whiteVehicle, plainVehicle, tank), objects);
        assertThat(onlyB.draw(tank, 1)).isNull();
        AbsentQueries q = new AbsentQueries(List.of(redVehicle, whiteVehicle, plainVehicle, tank), objects);
        for (long seed = 0; seed < 20; seed++) {
            assertThat(q.draw(tank, seed)).isEqualTo("the red vehicle on the left");
        }
    }

    @Test
    void twinsKeepTheSampleAndAreTheSameForTheSameSeed() {
        AbsentQueries q = new AbsentQueries(List.of(redVehicle, whiteVehicle, plainVehicle, tank), objects);
        List<Sample> twins = q.twins(List.of(redVehicle, tank), 5);
        assertThat(twins).hasSize(2);
        assertThat(twins.get(0).index()).isEqualTo(0);
        assertThat(twins.get(0).imageFile()).isEqualTo(A);
        assertThat(twins.get(0).query()).isIn("the white vehicle on the left", "the gray storagetank");
        assertThat(twins.get(1).query()).isEqualTo("the red vehicle on the left");
        assertThat(q.twins(List.of(redVehicle, tank), 5)).isEqualTo(twins);
    }

    @Test
    void anEmptyPoolIsRefused() {
        assertThatThrownBy(() -> new AbsentQueries(List.of(), objects)).hasMessageContaining("no expressions");
    }
}
