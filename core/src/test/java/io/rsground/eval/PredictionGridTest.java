package io.rsground.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.box.Box;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionGridTest {
    private static final String LONG_QUERY =
            "the small white windmill on the right of the long road next to the lake";

    @Test
    void theShownIouNeverReadsAsAHitWhenItIsAMiss() {
        // 0.497 is a miss (IoU < 0.5) and must not be printed as 0.50
        assertThat(PredictionGrid.scoreLabel(0.497)).isEqualTo("IoU 0.49");
        assertThat(PredictionGrid.scoreLabel(0.5)).isEqualTo("IoU 0.50");
        // 0.57 is not exactly representable; rounding down must not turn it into 0.56
        assertThat(PredictionGrid.scoreLabel(0.57)).isEqualTo("IoU 0.57");
        assertThat(PredictionGrid.scoreLabel(1.0)).isEqualTo("IoU 1.00");
        assertThat(PredictionGrid.scoreLabel(0.0)).isEqualTo("IoU 0.00");
    }

    @Test
    void theGridShowsDistinctImagesBeforeRepeatingOne() {
        // five queries on scene a, then one on each of b, c, d: the first four shown are a, b, c, d
        List<Prediction> all = List.of(on("a", 0.9), on("a", 0.8), on("a", 0.7), on("a", 0.6), on("a", 0.5),
                on("b", 0.4), on("c", 0.3), on("d", 0.2));
        assertThat(PredictionGrid.choose(all, 4, false)).extracting(Prediction::image)
                .containsExactly("a", "b", "c", "d");
        // more wanted than images: the repeats follow, in the report's order
        assertThat(PredictionGrid.choose(all, 6, false)).extracting(Prediction::image)
                .containsExactly("a", "b", "c", "d", "a", "a");
        // the worst: lowest IoU first, still one per image
        assertThat(PredictionGrid.choose(all, 3, true)).extracting(Prediction::image)
                .containsExactly("d", "c", "b");
        assertThat(PredictionGrid.choose(all, 20, false)).hasSize(8);
    }

    /** @return a prediction on image {@code image} whose IoU with its truth is {@code iou} (boxes side by side) */
    private static Prediction on(String image, double iou) {
        Box truth = new Box(0, 0, 100, 100);
        // a box of the same size shifted right by d has IoU (100 - d) / (100 + d)
        double d = 100 * (1 - iou) / (1 + iou);
        return new Prediction(0, image, "ship", "the ship", 2, truth, new Box(d, 0, 100 + d, 100), truth, truth,
                new double[4]);
    }

    @Test
    void aLongQueryIsWrappedWholeNotCut() {
        List<String> lines = PredictionGrid.captionLines(LONG_QUERY, 128);
        assertThat(String.join(" ", lines)).isEqualTo(LONG_QUERY);
        assertThat(lines).hasSizeGreaterThan(2).noneMatch(line -> line.contains("\u2026"));
    }

    @Test
    void theGridCarriesALegendAndTheWholeQuery(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("blue.png");
        BufferedImage blue = new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = blue.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(0, 0, 100, 100);
        g.dispose();
        ImageIO.write(blue, "png", file.toFile());
        Box truth = new Box(10, 10, 40, 40);
        Prediction p = new Prediction(0, "blue.png", "windmill", LONG_QUERY, 14, truth, new Box(60, 60, 90, 90),
                truth, truth, new double[4]);

        BufferedImage grid = PredictionGrid.render(List.of(p), q -> file, 128, 1);

        int tileTop = firstRowWith(grid, Color.BLUE.getRGB());
        assertThat(tileTop).as("the image tile is drawn").isPositive();
        // the legend is above the tiles: a green and a red swatch
        assertThat(count(grid, 0, tileTop, 0x22C55E)).as("green legend pixels").isGreaterThan(30);
        assertThat(count(grid, 0, tileTop, 0xEF4444)).as("red legend pixels").isGreaterThan(30);
        // under the 128 px tile, below the score's line, the query takes all its lines: text reaches the last one
        int lines = PredictionGrid.captionLines(LONG_QUERY, 128).size();
        assertThat(lowestWhiteRow(grid)).isGreaterThan(tileTop + 128 + lines * PredictionGrid.lineHeight(128));
    }

    private static int lowestWhiteRow(BufferedImage image) {
        for (int y = image.getHeight() - 1; y >= 0; y--) {
            for (int x = 0; x < image.getWidth(); x++) {
                Color c = new Color(image.getRGB(x, y));
                if (c.getRed() > 200 && c.getGreen() > 200 && c.getBlue() > 200) {
                    return y;
                }
            }
        }
        return -1;
    }

    private static int firstRowWith(BufferedImage image, int rgb) {
        for (int y = 0; y < image.getHeight(); y++) {
            if (count(image, y, y + 1, rgb) > 0) {
                return y;
            }
        }
        return -1;
    }

    private static int count(BufferedImage image, int fromRow, int toRow, int rgb) {
        int n = 0;
        for (int y = fromRow; y < toRow; y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                n += (image.getRGB(x, y) & 0xFFFFFF) == (rgb & 0xFFFFFF) ? 1 : 0;
            }
        }
        return n;
    }
}
