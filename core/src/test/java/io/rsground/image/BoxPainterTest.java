package io.rsground.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.box.Box;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Captions on drawn boxes stay readable: inside the image, and never one over another. */
class BoxPainterTest {
    private static final Color RED = new Color(0xE6194B);
    private static final Color BLUE = new Color(0x4363D8);

    @Test
    void twoCoincidingBoxesKeepBothCaptionsInSight() {
        BufferedImage image = new BufferedImage(400, 300, BufferedImage.TYPE_3BYTE_BGR);
        Box same = new Box(100, 150, 300, 250);
        BufferedImage drawn = BoxPainter.draw(image, List.of(new BoxPainter.Labelled(same, "1. the ship", RED),
                new BoxPainter.Labelled(same, "2. the ship", BLUE)));

        // each chip is a solid run of its colour above the box; the box lines are at rows >= 150 - 1
        int[] red = rowsOf(drawn, RED, 148);
        int[] blue = rowsOf(drawn, BLUE, 148);
        assertThat(red).as("rows of the first caption's chip").isNotNull();
        assertThat(blue).as("rows of the second caption's chip").isNotNull();
        assertThat(red[1] < blue[0] || blue[1] < red[0]).as("chips at rows %d-%d and %d-%d overlap", red[0], red[1],
                blue[0], blue[1]).isTrue();
        // both chips are whole: as many rows as a caption line takes (11 px bold is at least 12 rows high)
        assertThat(red[1] - red[0] + 1).isGreaterThanOrEqualTo(12);
        assertThat(blue[1] - blue[0] + 1).isGreaterThanOrEqualTo(12);
    }

    @Test
    void aLongCaptionOnATinyImageWrapsInsideIt() {
        BufferedImage image = new BufferedImage(96, 160, BufferedImage.TYPE_3BYTE_BGR);
        BufferedImage drawn = BoxPainter.draw(image, List.of(new BoxPainter.Labelled(new Box(40, 90, 90, 150),
                "1. the small white windmill on the left of the road", BLUE)));

        // white pixels are the caption's text (black image, blue chip); each sits inside the chip's padding
        int minX = Integer.MAX_VALUE;
        int maxX = -1;
        int textRows = 0;
        for (int y = 0; y < drawn.getHeight(); y++) {
            boolean any = false;
            for (int x = 0; x < drawn.getWidth(); x++) {
                Color c = new Color(drawn.getRGB(x, y));
                if (c.getRed() > 200 && c.getGreen() > 200 && c.getBlue() > 200) {
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    any = true;
                }
            }
            textRows += any ? 1 : 0;
        }
        assertThat(maxX).as("rightmost text pixel of a 96 px wide image").isBetween(0, 95 - 2);
        assertThat(minX).as("leftmost text pixel").isGreaterThanOrEqualTo(2);
        // the caption needs more than one line at this width: the text is wrapped, not cut
        assertThat(textRows).as("rows holding text").isGreaterThan(2 * 12);
        assertThat(drawn.getWidth()).isEqualTo(96);
    }

    @Test
    void aWordWiderThanTheImageIsBrokenNotLeftOut() {
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = scratch.createGraphics();
        g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 11));
        java.awt.FontMetrics fm = g.getFontMetrics();
        g.dispose();
        List<String> lines = TextLines.wrap("the  storagetankfarmnorthofthebridge on the left", fm, 60);
        assertThat(String.join("", lines).replace(" ", "")).isEqualTo("thestoragetankfarmnorthofthebridgeontheleft");
        assertThat(lines).allSatisfy(line -> assertThat(fm.stringWidth(line)).isLessThanOrEqualTo(60));
        assertThat(TextLines.wrap("  ", fm, 60)).isEmpty();
    }

    /** @return the first and last row above {@code belowRow} holding a run of 20+ pixels of exactly {@code c} */
    private static int[] rowsOf(BufferedImage image, Color c, int belowRow) {
        int first = -1;
        int last = -1;
        for (int y = 0; y < belowRow; y++) {
            int run = 0;
            int best = 0;
            for (int x = 0; x < image.getWidth(); x++) {
                run = (image.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF) ? run + 1 : 0;
                best = Math.max(best, run);
            }
            if (best >= 20) {
                first = first < 0 ? y : first;
                last = y;
            }
        }
        return first < 0 ? null : new int[] {first, last};
    }
}
