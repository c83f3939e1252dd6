package io.rsground.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PilResizeTest {

    @Test
    void shrinkByTwoUsesTheWidenedTriangle() {
        // 4 -> 2: scale 2, support 2. Output 0 is centred at 1.0 and reads pixels 0..2 with
        // triangle weights 1 - |x + 0.5 - 1| / 2 = 0.75, 0.75, 0.25, normalised to 3/7, 3/7, 1/7:
        // 0 * 3/7 + 70 * 3/7 + 140 / 7 = 50. Output 1 (centre 3.0) reads pixels 1..3 with 1/7, 3/7, 3/7:
        // 70 / 7 + 140 * 3/7 + 210 * 3/7 = 160. (Averaging pairs would give 35 and 175.)
        byte[] row = bytes(0, 70, 140, 210);
        assertThat(PilResize.resize(row, 4, 1, 1, 2, 1)).containsExactly(bytes(50, 160));
        // the same along the vertical axis
        assertThat(PilResize.resize(row, 1, 4, 1, 1, 2)).containsExactly(bytes(50, 160));
    }

    @Test
    void enlargeByTwoInterpolatesLinearly() {
        // 2 -> 4: centres 0.25, 0.75, 1.25, 1.75; support 1. Output 0 reads only pixel 0 (-> 0),
        // output 1 reads 0.75 * p0 + 0.25 * p1 = 25, output 2 0.25 * p0 + 0.75 * p1 = 75, output 3 only p1.
        assertThat(PilResize.resize(bytes(0, 100), 2, 1, 1, 4, 1)).containsExactly(bytes(0, 25, 75, 100));
    }

    @Test
    void uniformImagesStayUniform() {
        byte[] grey = new byte[37 * 23 * 3];
        java.util.Arrays.fill(grey, (byte) 201);
        for (int[] size : new int[][] {{224, 139}, {5, 3}, {100, 100}, {1, 1}}) {
            byte[] out = PilResize.resize(grey, 37, 23, 3, size[0], size[1]);
            assertThat(out).hasSize(size[0] * size[1] * 3);
            for (byte b : out) {
                assertThat(b & 0xff).isEqualTo(201);
            }
        }
    }

    @Test
    void sameSizeReturnsTheInput() {
        byte[] pixels = randomBytes(new Random(1), 6 * 4 * 3);
        assertThat(PilResize.resize(pixels, 6, 4, 3, 6, 4)).isSameAs(pixels);
    }

    @Test
    void channelsAreFilteredIndependently() {
        Random random = new Random(3);
        int w = 53;
        int h = 41;
        byte[] rgb = randomBytes(random, w * h * 3);
        int[][] sizes = {{17, 13}, {224, 160}, {53, 20}, {20, 41}};
        for (int[] size : sizes) {
            byte[] together = PilResize.resize(rgb, w, h, 3, size[0], size[1]);
            for (int c = 0; c < 3; c++) {
                byte[] plane = new byte[w * h];
                for (int i = 0; i < plane.length; i++) {
                    plane[i] = rgb[i * 3 + c];
                }
                byte[] alone = PilResize.resize(plane, w, h, 1, size[0], size[1]);
                for (int i = 0; i < alone.length; i++) {
                    assertThat(together[i * 3 + c]).isEqualTo(alone[i]);
                }
            }
        }
    }

    @Test
    void agreesWithAFloatingPointConvolutionWithinRounding() {
        // direct 2-D evaluation in double precision of the same filter; the fixed-point two-pass
        // version rounds twice, so it may differ by at most 1 per pass
        Random random = new Random(5);
        int[][] cases = {{800, 800, 224, 224}, {333, 517, 144, 224}, {96, 160, 134, 224}, {61, 7, 9, 30}};
        for (int[] c : cases) {
            byte[] in = randomBytes(random, c[0] * c[1]);
            byte[] out = PilResize.resize(in, c[0], c[1], 1, c[2], c[3]);
            double[][] wx = weights(c[0], c[2]);
            double[][] wy = weights(c[1], c[3]);
            for (int y = 0; y < c[3]; y++) {
                for (int x = 0; x < c[2]; x++) {
                    double sum = 0;
                    for (int sy = 0; sy < c[1]; sy++) {
                        if (wy[y][sy] == 0) {
                            continue;
                        }
                        for (int sx = 0; sx < c[0]; sx++) {
                            sum += wy[y][sy] * wx[x][sx] * (in[sy * c[0] + sx] & 0xff);
                        }
                    }
                    assertThat((double) (out[y * c[2] + x] & 0xff)).isCloseTo(sum, org.assertj.core.api.Assertions.within(2.0));
                }
            }
        }
    }

    @Test
    void bufferedImageResizeKeepsColourOrder() {
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        g.setColor(new java.awt.Color(250, 10, 90));
        g.fillRect(0, 0, 40, 30);
        g.dispose();
        BufferedImage out = PilResize.resize(image, 7, 5);
        assertThat(out.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
        assertThat(out.getWidth()).isEqualTo(7);
        assertThat(out.getHeight()).isEqualTo(5);
        assertThat(out.getRGB(3, 2) & 0xffffff).isEqualTo(250 << 16 | 10 << 8 | 90);
    }

    @Test
    void rejectsBadSizes() {
        assertThatThrownBy(() -> PilResize.resize(new byte[12], 2, 2, 3, 0, 5)).hasMessageContaining("output 0 x 5");
        assertThatThrownBy(() -> PilResize.resize(new byte[11], 2, 2, 3, 1, 1)).hasMessageContaining("needs 12 samples");
    }

    /** Normalised triangle weights [out][in] from the definition, in double precision. */
    private static double[][] weights(int in, int out) {
        double scale = (double) in / out;
        double support = Math.max(scale, 1);
        double[][] w = new double[out][in];
        for (int i = 0; i < out; i++) {
            double centre = (i + 0.5) * scale;
            double total = 0;
            for (int s = 0; s < in; s++) {
                // pixel s covers [s, s + 1); its centre is s + 0.5
                w[i][s] = Math.max(0, 1 - Math.abs(s + 0.5 - centre) / support);
                total += w[i][s];
            }
            for (int s = 0; s < in; s++) {
                w[i][s] /= total;
            }
        }
        return w;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
