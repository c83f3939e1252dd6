package io.rsground.image;

import io.rsground.box.Box;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Draws boxes with their captions over an image, for people to look at. */
public final class BoxPainter {
    /** Distinct colours for successive queries. */
    public static final List<Color> PALETTE = List.of(new Color(0xE6194B), new Color(0x3CB44B),
            new Color(0x4363D8), new Color(0xF58231), new Color(0x911EB4), new Color(0x42D4F4),
            new Color(0xF032E6), new Color(0xBFEF45), new Color(0xFABED4), new Color(0x469990));

    private BoxPainter() {
    }

    /**
     * A box to draw.
     *
     * @param box corner format, pixels of the image drawn on
     * @param caption text written above the box (may be empty)
     * @param color line colour
     */
    public record Labelled(Box box, String caption, Color color) {
    }

    /**
     * @param image the picture (not modified)
     * @param boxes what to draw
     * @return an RGB copy with the boxes and captions drawn, line width scaled to the image size
     */
    public static BufferedImage draw(BufferedImage image, List<Labelled> boxes) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(image, 0, 0, null);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int side = Math.max(image.getWidth(), image.getHeight());
            float stroke = Math.max(2f, side / 300f);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(11, side / 50)));
            FontMetrics fm = g.getFontMetrics();
            for (Labelled l : boxes) {
                Box b = l.box();
                int x = (int) Math.round(b.x1());
                int y = (int) Math.round(b.y1());
                int w = (int) Math.round(b.width());
                int h = (int) Math.round(b.height());
                g.setStroke(new BasicStroke(stroke));
                g.setColor(l.color());
                g.drawRect(x, y, w, h);
                if (!l.caption().isEmpty()) {
                    String text = l.caption();
                    int tw = fm.stringWidth(text) + 6;
                    int th = fm.getHeight();
                    int ty = y - th >= 0 ? y - th : Math.min(y + h, image.getHeight() - th);
                    int tx = Math.max(0, Math.min(x, image.getWidth() - tw));
                    g.fillRect(tx, ty, tw, th);
                    g.setColor(luminance(l.color()) > 140 ? Color.BLACK : Color.WHITE);
                    g.drawString(text, tx + 3, ty + fm.getAscent());
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    private static double luminance(Color c) {
        return 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
    }
}
