package io.rsground.data.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.DataBufferInt;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SceneOptionsTest {

    private static double meanArea(Scene s) {
        return s.objects().stream().mapToDouble(o -> o.box().area()).average().orElse(0);
    }

    @Test
    void defaultOptionsDrawExactlyTheDefaultScenes() {
        for (int i = 0; i < 3; i++) {
            Scene a = SceneGenerator.render(9, i, 200);
            Scene b = SceneGenerator.render(9, i, 200, SceneOptions.DEFAULT);
            assertThat(Arrays.equals(((DataBufferInt) a.image().getRaster().getDataBuffer()).getData(),
                    ((DataBufferInt) b.image().getRaster().getDataBuffer()).getData())).isTrue();
            assertThat(b.objects()).isEqualTo(a.objects());
        }
    }

    @Test
    void zoomDrawsLargerObjectsAndCrowdingFewer() {
        double plain = 0;
        double zoomed = 0;
        int crowded = 0;
        int sparse = 0;
        for (int i = 0; i < 20; i++) {
            plain += meanArea(SceneGenerator.render(4, i, 256));
            zoomed += meanArea(SceneGenerator.render(4, i, 256, new SceneOptions(2, 1)));
            crowded += SceneGenerator.render(4, i, 256).objects().size();
            sparse += SceneGenerator.render(4, i, 256, new SceneOptions(1, 0)).objects().size();
        }
        // twice the length is four times the area; placement drops some large ones, so ask for well over twice
        assertThat(zoomed).isGreaterThan(2.5 * plain);
        assertThat(sparse).isLessThan(crowded * 3 / 4);
    }

    @Test
    void outOfRangeValuesAreNamed() {
        assertThatThrownBy(() -> new SceneOptions(5, 1)).hasMessageContaining("zoom must lie in 0.25..4, got 5.0");
        assertThatThrownBy(() -> new SceneOptions(1, 1.5)).hasMessageContaining("crowding must lie in 0..1");
    }
}
