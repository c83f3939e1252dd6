package io.rsground.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rsground.box.Box;
import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EvalTransformTest {

    @Test
    void resizedSizeRoundsHalfToEven() {
        // 448 x 173: ratio 224 / 448 = 0.5, 173 * 0.5 = 86.5 -> 86 (Python's round), not 87
        assertThat(EvalTransform.resizedSize(448, 173, 224)).containsExactly(224, 86);
        // 1024 x 400: 400 * 0.21875 = 87.5 -> 88
        assertThat(EvalTransform.resizedSize(1024, 400, 224)).containsExactly(224, 88);
        // 96 x 160 is enlarged: 96 * 1.4 = 134.4 -> 134
        assertThat(EvalTransform.resizedSize(96, 160, 224)).containsExactly(134, 224);
        // an extreme strip keeps at least one pixel
        assertThat(EvalTransform.resizedSize(10000, 3, 224)).containsExactly(224, 1);
    }

    @Test
    void imageIsPastedAtTheReferenceOffsetWithItsMask() {
        // 448 x 174 -> 224 x 87: dh = 137, top = round(68.5 - 0.1) = 68, so one more padding row below
        BufferedImage image = new BufferedImage(448, 174, BufferedImage.TYPE_3BYTE_BGR);
        java.awt.Graphics2D g = image.createGraphics();
        g.setColor(new java.awt.Color(255, 0, 128));
        g.fillRect(0, 0, 448, 174);
        g.dispose();
        Preprocessed p = new EvalTransform(224).apply(image);
        assertThat(p.left()).isEqualTo(0);
        assertThat(p.top()).isEqualTo(68);
        assertThat(p.resizedWidth()).isEqualTo(224);
        assertThat(p.resizedHeight()).isEqualTo(87);
        assertThat(p.scale()).isEqualTo(0.5);
        int plane = 224 * 224;
        // normalised red 255: (1 - 0.485) / 0.229; green 0: -0.456 / 0.224; blue 128: (128/255 - 0.406) / 0.225
        float red = (1f - 0.485f) / 0.229f;
        float green = (0f - 0.456f) / 0.224f;
        float blue = (128f / 255f - 0.406f) / 0.225f;
        for (int y = 0; y < 224; y++) {
            boolean inside = y >= 68 && y < 68 + 87;
            for (int x : new int[] {0, 111, 223}) {
                int i = y * 224 + x;
                assertThat(p.pixelMask()[i]).as("mask at row %d", y).isEqualTo((byte) (inside ? 0 : 1));
                assertThat(p.pixels()[i]).isEqualTo(inside ? red : 0f);
                assertThat(p.pixels()[plane + i]).isEqualTo(inside ? green : 0f);
                assertThat(p.pixels()[2 * plane + i]).isEqualTo(inside ? blue : 0f);
            }
        }
    }

    @Test
    void boxesMapToTheCanvasAndBack() {
        // 448 x 173 -> 224 x 86 at top = round(69 - 0.1) = 69, scale 0.5
        Preprocessed p = new EvalTransform(224).apply(new BufferedImage(448, 173, BufferedImage.TYPE_3BYTE_BGR));
        assertThat(p.top()).isEqualTo(69);
        // (100, 20, 300, 120) * 0.5 = (50, 10, 150, 60), + top -> (50, 79, 150, 129):
        // centre (100, 104), size 100 x 50, divided by 224
        double[] target = p.toNormalizedCxcywh(Box.fromXyxy(100, 20, 300, 120));
        assertThat(target[0]).isCloseTo(100 / 224.0, within(1e-12));
        assertThat(target[1]).isCloseTo(104 / 224.0, within(1e-12));
        assertThat(target[2]).isCloseTo(100 / 224.0, within(1e-12));
        assertThat(target[3]).isCloseTo(50 / 224.0, within(1e-12));
        Box back = p.fromNormalizedCxcywh(target[0], target[1], target[2], target[3]);
        assertThat(back.x1()).isCloseTo(100, within(1e-9));
        assertThat(back.y2()).isCloseTo(120, within(1e-9));
        // the whole canvas maps to the whole image: the padding is clamped away
        assertThat(p.fromNormalizedCxcywh(0.5, 0.5, 1, 1)).isEqualTo(Box.fromXyxy(0, 0, 448, 173));
    }

    @Test
    void patchMaskByHand() {
        // 8 x 8 mask, 4-pixel patches: 2 x 2 patches, source positions 4 * (i + 0.5) - 0.5 = 1.5 and 5.5,
        // so patch (0, 0) averages pixels (1..2, 1..2) with weight 1/4 each
        assertThat(patchOf(8, 4, 2, 8)).as("rows 0-1 padded: 2 of 4 -> 0.5 -> 0").isFalse();
        assertThat(patchOf(8, 4, 3, 8)).as("rows 0-2 padded: 4 of 4").isTrue();
        assertThat(patchOf(8, 4, 2, 2)).as("corner 2 x 2 padded: 1 of 4").isFalse();
        // an L: rows 0-1 and columns 0-1 padded: pixels (1,1), (1,2), (2,1) of 4 -> 0.75 -> 1
        byte[] mask = new byte[64];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                mask[y * 8 + x] = (byte) (y < 2 || x < 2 ? 1 : 0);
            }
        }
        assertThat(EvalTransform.patchMask(mask, 8, 4)).containsExactly(true, false, false, false);
    }

    @Test
    void patchMaskAgreesWithBilinearSamplingForOtherSizes() {
        Random random = new Random(9);
        int[][] cases = {{224, 32}, {224, 14}, {225, 16}, {100, 7}};
        for (int[] c : cases) {
            int size = c[0];
            int patch = c[1];
            for (int trial = 0; trial < 20; trial++) {
                // a random image rectangle inside the canvas, padding elsewhere
                int w = 1 + random.nextInt(size);
                int h = 1 + random.nextInt(size);
                int left = random.nextInt(size - w + 1);
                int top = random.nextInt(size - h + 1);
                byte[] mask = new byte[size * size];
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        mask[y * size + x] = (byte) (x >= left && x < left + w && y >= top && y < top + h ? 0 : 1);
                    }
                }
                boolean[] ours = EvalTransform.patchMask(mask, size, patch);
                int n = size / patch;
                double scale = (double) size / n;
                for (int py = 0; py < n; py++) {
                    for (int px = 0; px < n; px++) {
                        double v = bilinear(mask, size, Math.max(0, scale * (py + 0.5) - 0.5),
                                Math.max(0, scale * (px + 0.5) - 0.5));
                        if (Math.abs(v - 0.5) > 1e-6) { // exact halves depend on float rounding
                            assertThat(ours[py * n + px]).as("size %d patch %d at %d,%d (value %f)", size, patch,
                                    py, px, v).isEqualTo(v > 0.5);
                        }
                    }
                }
            }
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new EvalTransform(0)).hasMessageContaining("image size");
        assertThatThrownBy(() -> EvalTransform.patchMask(new byte[10], 8, 4)).hasMessageContaining("needs 64 values");
        assertThatThrownBy(() -> EvalTransform.patchMask(new byte[64], 8, 9)).hasMessageContaining("patch size");
    }

    /** @return patch (0, 0) of a size x size mask padded on rows [0, rows) x columns [0, cols) */
    private static boolean patchOf(int size, int patch, int rows, int cols) {
        byte[] mask = new byte[size * size];
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                mask[y * size + x] = 1;
            }
        }
        return EvalTransform.patchMask(mask, size, patch)[0];
    }

    /** Bilinear value at (y, x) from the textbook formula, in double precision. */
    private static double bilinear(byte[] mask, int size, double y, double x) {
        int y0 = (int) Math.floor(y);
        int x0 = (int) Math.floor(x);
        int y1 = Math.min(y0 + 1, size - 1);
        int x1 = Math.min(x0 + 1, size - 1);
        double fy = y - y0;
        double fx = x - x0;
        return (1 - fy) * ((1 - fx) * mask[y0 * size + x0] + fx * mask[y0 * size + x1])
                + fy * ((1 - fx) * mask[y1 * size + x0] + fx * mask[y1 * size + x1]);
    }
}
