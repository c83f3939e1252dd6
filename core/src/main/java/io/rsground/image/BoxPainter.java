package io.rsground.image;

import io.rsground.box.Box;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Draws boxes with their captions over an image, for people to look at. */
public final class BoxPainter {
    /** Distinct colours for successive queries. */
    public static final List<Color> PALETTE = List.of(new Color(0xE6194B), new Color(0x3CB44B),
            new Color(0x4363D8), new Color(0xF58231), new Color(0x911EB4), new Color(0x42D4F4),
            new Color(0xF032E6), new Color(0xBFEF45), new Color(0xFABED4), new Color(0x469990));

    /** Pixels between a chip's edge and its text. */
    private static final int PAD = 3;

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
     * @return an RGB copy with the boxes and captions drawn, line width scaled to the image size; captions are
     *     wrapped to stay inside the image, drawn over every box line, and moved off one another (two boxes
     *     on the same spot keep both captions readable)
     */
    public static BufferedImage draw(BufferedImage image, List<Labelled> boxes) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(image, 0, 0, null);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            int side = Math.max(image.getWidth(), image.getHeight());
            g.setStroke(new BasicStroke(Math.max(2f, side / 300f)));
            for (Labelled l : boxes) {
                Box b = l.box();
                g.setColor(l.color());
                g.drawRect((int) Math.round(b.x1()), (int) Math.round(b.y1()), (int) Math.round(b.width()),
                        (int) Math.round(b.height()));
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(11, side / 50)));
            FontMetrics fm = g.getFontMetrics();
            List<Rectangle> placed = new ArrayList<>();
            for (Labelled l : boxes) {
                if (!l.caption().isBlank()) {
                    caption(g, fm, l, image.getWidth(), image.getHeight(), placed);
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Draws a caption on a chip of the box's colour and adds the chip to {@code placed}. */
    private static void caption(Graphics2D g, FontMetrics fm, Labelled l, int width, int height,
            List<Rectangle> placed) {
        List<String> lines = TextLines.wrap(l.caption(), fm, Math.max(1, width - 2 * PAD));
        int chipWidth = Math.min(width, TextLines.widest(lines, fm) + 2 * PAD);
        int chipHeight = lines.size() * fm.getHeight();
        Rectangle chip = place(l.box(), chipWidth, chipHeight, width, height, placed);
        placed.add(chip);
        g.setColor(l.color());
        g.fillRect(chip.x, chip.y, chip.width, chip.height);
        g.setColor(luminance(l.color()) > 140 ? Color.BLACK : Color.WHITE);
        int baseline = chip.y + fm.getAscent();
        for (String line : lines) {
            g.drawString(line, chip.x + PAD, baseline);
            baseline += fm.getHeight();
        }
    }

    /**
     * @return where a chip goes: above the box when there is room, else below it, inside the image; when that
     *     spot covers an earlier chip, the nearest free spot just above or below an earlier chip (above on a tie,
     *     off the box's line)
     */
    static Rectangle place(Box box, int chipWidth, int chipHeight, int width, int height, List<Rectangle> placed) {
        int x = clamp((int) Math.round(box.x1()), 0, width - chipWidth);
        int top = (int) Math.round(box.y1());
        int preferred = clamp(top - chipHeight >= 0 ? top - chipHeight : (int) Math.round(box.y2()), 0,
                height - chipHeight);
        List<Integer> candidates = new ArrayList<>(List.of(preferred));
        for (Rectangle p : placed) {
            candidates.add(p.y + p.height);
            candidates.add(p.y - chipHeight);
        }
        return candidates.stream().filter(y -> y >= 0 && y + chipHeight <= height)
                .sorted(Comparator.comparingInt((Integer y) -> Math.abs(y - preferred)).thenComparing(y -> y))
                .map(y -> new Rectangle(x, y, chipWidth, chipHeight))
                .filter(r -> placed.stream().noneMatch(r::intersects)).findFirst()
                .orElse(new Rectangle(x, preferred, chipWidth, chipHeight));
    }

    private static int clamp(int v, int low, int high) {
        return Math.max(low, Math.min(v, high));
    }

    private static double luminance(Color c) {
        return 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
    }
}
