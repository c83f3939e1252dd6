package io.rsground.data;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** Writes hand-made DIOR-RSVG style data sets into a test folder; line numbers of the XML are what tests assert. */
final class MiniDataset {
    final Path root;

    MiniDataset(Path root) {
        this.root = root;
        try {
            Files.createDirectories(root.resolve("JPEGImages"));
            Files.createDirectories(root.resolve("Annotations"));
            Files.createDirectories(root.resolve("splits"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a real JPEG of the given size with some structure in it (so a truncation cuts real data). */
    Path jpeg(String name, int width, int height) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        for (int y = 0; y < height; y += 8) {
            for (int x = 0; x < width; x += 8) {
                g.setColor(new Color((x * 7 + y * 3) % 256, (x * 5) % 256, (y * 11) % 256));
                g.fillRect(x, y, 8, 8);
            }
        }
        g.dispose();
        Path file = root.resolve("JPEGImages").resolve(name);
        ImageIO.write(img, "jpg", file.toFile());
        return file;
    }

    /** Writes an annotation file from lines (line i of the array is line i+1 of the file). */
    Path xml(String name, String... lines) throws IOException {
        Path file = root.resolve("Annotations").resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    /** Writes a split file into ROOT/splits. */
    Path split(String name, String content) throws IOException {
        Path file = root.resolve("splits").resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    /** Writes the three split files. */
    void splits(String train, String val, String test) throws IOException {
        split("train.txt", train);
        split("val.txt", val);
        split("test.txt", test);
    }

    /**
     * @return lines of a well-formed annotation: header lines 1-7 (filename on line 3, size on line 4), then 7 lines
     *     per object k (object on line 8 + 7k, bndbox on 10 + 7k, corners on 11 + 7k, description on 13 + 7k)
     */
    static String[] annotation(String filename, Integer width, Integer height, String[]... objects) {
        List<String> l = new ArrayList<>();
        l.add("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        l.add("<annotation>");
        l.add("  <filename>" + filename + "</filename>");
        l.add("  <size>");
        l.add(width == null ? "  " : "    <width>" + width + "</width>");
        l.add(height == null ? "  " : "    <height>" + height + "</height>");
        l.add("  </size>");
        for (String[] o : objects) {
            l.add("  <object>");
            l.add("    <name>" + o[0] + "</name>");
            l.add("    <bndbox>");
            l.add("      <xmin>" + o[1] + "</xmin><ymin>" + o[2] + "</ymin><xmax>" + o[3] + "</xmax><ymax>" + o[4]
                    + "</ymax>");
            l.add("    </bndbox>");
            l.add("    <description>" + o[5] + "</description>");
            l.add("  </object>");
        }
        l.add("</annotation>");
        return l.toArray(new String[0]);
    }

    static String[] obj(String name, Object x1, Object y1, Object x2, Object y2, String description) {
        return new String[] {name, String.valueOf(x1), String.valueOf(y1), String.valueOf(x2), String.valueOf(y2),
            description};
    }
}
