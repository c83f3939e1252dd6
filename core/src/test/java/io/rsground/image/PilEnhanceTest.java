package io.rsground.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Pillow's {@code ImageEnhance} on a 2 x 2 RGB image: pixels (200, 100, 50), (10, 20, 30),
 * (255, 255, 255), (0, 128, 64). Lumas {@code (19595 R + 38470 G + 7471 B + 32768) >> 16}:
 * 124 (124.2 rounded), 18 (18.15), 255, 82 (82.43); mean (124 + 18 + 255 + 82) / 4 = 119.75, so
 * the contrast grey is int(119.75 + 0.5) = 120. Expected values are worked out by hand in the
 * comments (blend {@code d + f (v - d)}, truncated, clipped) and agree with Pillow 12.3.
 */
class PilEnhanceTest {
    private static final int[][] RGB = {{200, 100, 50}, {10, 20, 30}, {255, 255, 255}, {0, 128, 64}};

    @Test
    void lumaIsPillowsFixedPointConversion() {
        assertThat(PilEnhance.luma(200, 100, 50)).isEqualTo(124);
        assertThat(PilEnhance.luma(10, 20, 30)).isEqualTo(18);
        assertThat(PilEnhance.luma(255, 255, 255)).isEqualTo(255);
        assertThat(PilEnhance.luma(0, 128, 64)).isEqualTo(82);
        for (int v = 0; v < 256; v++) {
            assertThat(PilEnhance.luma(v, v, v)).as("grey %d", v).isEqualTo(v);
        }
        assertThat(PilEnhance.meanLuma(bgr(RGB))).isEqualTo(120);
    }

    @Test
    void brightnessScalesAndTruncates() {
        // 1.25 v: 250, 125, 62.5 -> 62; 12.5 -> 12, 25, 37.5 -> 37; 318.75 -> 255 (clipped); 0, 160, 80
        assertThat(rgb(PilEnhance.brightness(bgr(RGB), 1.25)))
                .isEqualTo(new int[][] {{250, 125, 62}, {12, 25, 37}, {255, 255, 255}, {0, 160, 80}});
        // 0.5 v: 127.5 -> 127 (truncated, not rounded)
        assertThat(rgb(PilEnhance.brightness(bgr(RGB), 0.5)))
                .isEqualTo(new int[][] {{100, 50, 25}, {5, 10, 15}, {127, 127, 127}, {0, 64, 32}});
        // 0.7 is 0.699999988 in float32: 255 * 0.7f = 178.49... -> 178, 128 * 0.7f = 89.59... -> 89
        assertThat(rgb(PilEnhance.brightness(bgr(RGB), 0.7)))
                .isEqualTo(new int[][] {{140, 70, 35}, {7, 14, 21}, {178, 178, 178}, {0, 89, 44}});
    }

    @Test
    void contrastBlendsWithTheMeanLumaGrey() {
        // 120 + 0.5 (v - 120): 160, 110, 85; 65, 70, 75; 187.5 -> 187; 60, 124, 92
        assertThat(rgb(PilEnhance.contrast(bgr(RGB), 0.5)))
                .isEqualTo(new int[][] {{160, 110, 85}, {65, 70, 75}, {187, 187, 187}, {60, 124, 92}});
        // 120 + 1.5 (v - 120): 240, 90, 15; 10 -> -45 -> 0, ...; 322.5 -> 255; 0, 132, 36
        assertThat(rgb(PilEnhance.contrast(bgr(RGB), 1.5)))
                .isEqualTo(new int[][] {{240, 90, 15}, {0, 0, 0}, {255, 255, 255}, {0, 132, 36}});
        assertThat(rgb(PilEnhance.contrast(bgr(RGB), 0.7)))
                .isEqualTo(new int[][] {{176, 106, 71}, {43, 50, 57}, {214, 214, 214}, {36, 125, 80}});
    }

    @Test
    void colorBlendsWithEachPixelsLuma() {
        // L + 0.5 (v - L) with L = 124, 18, 255, 82: 162, 112, 87; 14, 19, 24; 255; 41, 105, 73
        assertThat(rgb(PilEnhance.color(bgr(RGB), 0.5)))
                .isEqualTo(new int[][] {{162, 112, 87}, {14, 19, 24}, {255, 255, 255}, {41, 105, 73}});
        // L + 1.5 (v - L): 238, 88, 13; 6, 21, 36; 255; 82 - 123 -> 0, 151, 55
        assertThat(rgb(PilEnhance.color(bgr(RGB), 1.5)))
                .isEqualTo(new int[][] {{238, 88, 13}, {6, 21, 36}, {255, 255, 255}, {0, 151, 55}});
        assertThat(rgb(PilEnhance.color(bgr(RGB), 0.7)))
                .isEqualTo(new int[][] {{177, 107, 72}, {12, 19, 26}, {255, 255, 255}, {24, 114, 69}});
    }

    @Test
    void factorOneIsTheIdentityAndTheInputIsNotModified() {
        byte[] in = bgr(RGB);
        byte[] copy = in.clone();
        for (PilEnhance.Kind kind : PilEnhance.Kind.values()) {
            byte[] out = PilEnhance.apply(kind, in, 1.0);
            assertThat(out).isEqualTo(copy).isNotSameAs(in);
            PilEnhance.apply(kind, in, 0.3);
            assertThat(in).isEqualTo(copy);
        }
    }

    /** @return interleaved B, G, R bytes of RGB triples */
    static byte[] bgr(int[][] rgb) {
        byte[] out = new byte[rgb.length * 3];
        for (int i = 0; i < rgb.length; i++) {
            out[3 * i] = (byte) rgb[i][2];
            out[3 * i + 1] = (byte) rgb[i][1];
            out[3 * i + 2] = (byte) rgb[i][0];
        }
        return out;
    }

    /** @return RGB triples of interleaved B, G, R bytes */
    static int[][] rgb(byte[] bgr) {
        int[][] out = new int[bgr.length / 3][3];
        for (int i = 0; i < out.length; i++) {
            out[i][0] = bgr[3 * i + 2] & 0xff;
            out[i][1] = bgr[3 * i + 1] & 0xff;
            out[i][2] = bgr[3 * i] & 0xff;
        }
        return out;
    }
}
