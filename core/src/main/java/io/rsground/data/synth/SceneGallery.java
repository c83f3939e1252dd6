package io.rsground.data.synth;

import io.rsground.box.Box;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Draws a scene with the boxes of its described objects, each numbered, and the expressions listed in a panel below
 * the image: the pictures of synthetic scenes shown in the README.
 */
public final class SceneGallery {

    private static final Color[] BOX_COLOURS = {new Color(255, 221, 0), new Color(0, 229, 255),
        new Color(255, 64, 129), new Color(118, 255, 3), new Color(255, 145, 0), new Color(213, 0, 249),
        new Color(255, 255, 255), new Color(29, 233, 182)};

    private SceneGallery() {
    }

    /**
     * @param scene a rendered scene
     * @param maxListed at most this many expressions are drawn (the first described objects)
     * @return the scene's image (unchanged size, at the top) with numbered boxes, above a panel listing the
     *     expressions
     */
    public static BufferedImage annotate(Scene scene, int maxListed) {
        List<SceneObject> shown = new ArrayList<>(scene.described());
        if (shown.size() > maxListed) {
            shown = shown.subList(0, maxListed);
        }
        float scale = scene.width() / 800f;
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, Math.max(9, Math.round(15 * scale)));
        int lineHeight = Math.round(font.getSize() * 1.45f);
        int panel = lineHeight * shown.size() + 10;
        BufferedImage out = new BufferedImage(scene.width(), scene.height() + panel, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(scene.image(), 0, 0, null);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(font);
            FontMetrics fm = g.getFontMetrics();
            g.setStroke(new BasicStroke(Math.max(1.5f, 2.2f * scale)));
            for (int i = 0; i < shown.size(); i++) {
                Box b = shown.get(i).box();
                Color c = BOX_COLOURS[i % BOX_COLOURS.length];
                g.setColor(c);
                g.drawRect((int) b.x1(), (int) b.y1(), (int) b.width(), (int) b.height());
                String tag = Integer.toString(i + 1);
                int tw = fm.stringWidth(tag) + 6;
                int th = fm.getHeight();
                int tx = (int) Math.min(b.x1(), scene.width() - tw);
                int ty = (int) (b.y1() >= th ? b.y1() - th : b.y2());
                g.fillRect(tx, ty, tw, th);
                g.setColor(Color.BLACK);
                g.drawString(tag, tx + 3, ty + fm.getAscent());
            }
            g.setColor(new Color(24, 24, 28));
            g.fillRect(0, scene.height(), scene.width(), panel);
            for (int i = 0; i < shown.size(); i++) {
                int y = scene.height() + 5 + i * lineHeight + fm.getAscent();
                g.setColor(BOX_COLOURS[i % BOX_COLOURS.length]);
                g.drawString((i + 1) + "", 8, y);
                g.setColor(Color.WHITE);
                g.drawString(shown.get(i).description(), 8 + fm.stringWidth("00 "), y);
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * Renders scenes {@code 0..count-1} of a seed with their boxes and expressions and writes them as
     * {@code synth-1.jpg, synth-2.jpg, ...}.
     *
     * @param dir output folder (created if needed)
     * @param seed the data set seed
     * @param indices the scene numbers to render
     * @param size image side, pixels
     * @param quality JPEG quality, 0..1
     * @return the files written
     * @throws IOException when a file cannot be written
     */
    public static List<Path> writeExamples(Path dir, long seed, int[] indices, int size, float quality)
            throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (int k = 0; k < indices.length; k++) {
            Scene scene = SceneGenerator.render(seed, indices[k], size);
            Path file = dir.resolve("synth-" + (k + 1) + ".jpg");
            SceneGenerator.writeJpeg(annotate(scene, 8), file, quality);
            files.add(file);
        }
        return files;
    }

    /**
     * Writes example pictures: {@code SceneGallery DIR SEED SIZE QUALITY INDEX...}.
     *
     * @param args output folder, seed, image side, JPEG quality and scene numbers
     * @throws IOException when a file cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 5) {
            System.err.println("usage: SceneGallery DIR SEED SIZE QUALITY INDEX...");
            System.exit(64);
        }
        int[] indices = new int[args.length - 4];
        for (int i = 4; i < args.length; i++) {
            indices[i - 4] = Integer.parseInt(args[i]);
        }
        for (Path p : writeExamples(Path.of(args[0]), Long.parseLong(args[1]), indices, Integer.parseInt(args[2]),
                Float.parseFloat(args[3]))) {
            System.out.println(p + " " + Files.size(p) + " bytes");
        }
    }
}
