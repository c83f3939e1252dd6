package io.rsground.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Pillow's {@code GaussianBlur}: expected values are Pillow 12.3's output for the same inputs. */
class PilBlurTest {

    @Test
    void boxRadiusMatchesTheVarianceOfThreeBoxes() {
        // sigma 1, 3 passes: sigma^2 / 3 = 1/3, L = sqrt(5) = 2.236, l = 0,
        // a = 1 * (0 - 1) / (6 * (1/3 - 1)) = 0.25
        assertThat(PilBlur.boxRadius(1f, 3)).isCloseTo(0.25f, within(1e-6f));
        // sigma 2: sigma^2 / 3 = 4/3, L = sqrt(17) = 4.12, l = 1, a = 3 * (2 - 4) / (6 * (4/3 - 4)) = 0.375
        assertThat(PilBlur.boxRadius(2f, 3)).isCloseTo(1.375f, within(1e-6f));
        // the variance of a box of radius r + a (extended by the fraction) is the Gaussian's share
        for (float sigma : new float[] {0.1f, 0.7f, 1.3f, 2f, 5f}) {
            float radius = PilBlur.boxRadius(sigma, 3);
            int l = (int) radius;
            double a = radius - l;
            double variance = ((2 * l + 1) * l * (l + 1) / 3.0 + 2 * a * (l + 1) * (l + 1)) / (2 * l + 1 + 2 * a);
            assertThat(3 * variance).as("sigma %s", sigma).isCloseTo(sigma * sigma, within(1e-4));
        }
    }

    @Test
    void rowAndPointImpulsesGivePillowsValues() {
        byte[] line = new byte[9 * 3];
        line[4 * 3] = 0; // B
        line[4 * 3 + 1] = 100; // G
        line[4 * 3 + 2] = (byte) 255; // R
        assertThat(channel(PilBlur.gaussianBlur(line, 9, 1, 3, 0.5), 3, 2)).containsExactly(0, 0, 1, 27, 199, 27, 1, 0, 0);
        assertThat(channel(PilBlur.gaussianBlur(line, 9, 1, 3, 0.5), 3, 1)).containsExactly(0, 0, 0, 11, 79, 11, 0, 0, 0);
        assertThat(channel(PilBlur.gaussianBlur(line, 9, 1, 3, 1.0), 3, 2)).containsExactly(0, 1, 14, 60, 103, 60, 14, 1, 0);
        assertThat(channel(PilBlur.gaussianBlur(line, 9, 1, 3, 2.0), 3, 2)).containsExactly(9, 18, 32, 44, 49, 44, 32, 18, 9);
        assertThat(channel(PilBlur.gaussianBlur(line, 9, 1, 3, 2.0), 3, 1)).containsExactly(3, 7, 13, 18, 20, 18, 13, 7, 3);

        byte[] dot = new byte[5 * 5];
        dot[12] = (byte) 255;
        assertThat(channel(PilBlur.gaussianBlur(dot, 5, 5, 1, 1.0), 1, 0)).containsExactly(
                0, 4, 6, 4, 0,
                3, 14, 24, 14, 3,
                6, 24, 42, 24, 6,
                3, 14, 24, 14, 3,
                0, 4, 6, 4, 0);
    }

    @Test
    void uniformImagesStayUniformAndZeroRadiusCopies() {
        byte[] grey = new byte[7 * 4 * 3];
        java.util.Arrays.fill(grey, (byte) 173);
        assertThat(PilBlur.gaussianBlur(grey, 7, 4, 3, 1.7)).isEqualTo(grey);
        byte[] copy = PilBlur.gaussianBlur(grey, 7, 4, 3, 0);
        assertThat(copy).isEqualTo(grey).isNotSameAs(grey);
        assertThatThrownBy(() -> PilBlur.gaussianBlur(grey, 7, 4, 3, -1)).hasMessageContaining("radius");
        assertThatThrownBy(() -> PilBlur.gaussianBlur(grey, 7, 5, 3, 1)).hasMessageContaining("needs 105 samples");
    }

    private static int[] channel(byte[] pixels, int channels, int c) {
        int[] out = new int[pixels.length / channels];
        for (int i = 0; i < out.length; i++) {
            out[i] = pixels[i * channels + c] & 0xff;
        }
        return out;
    }
}
