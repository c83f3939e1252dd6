package io.rsground.image;

import java.awt.FontMetrics;
import java.util.ArrayList;
import java.util.List;

/** Text broken into lines that fit a width, for captions drawn on pictures. */
public final class TextLines {
    private TextLines() {
    }

    /**
     * Breaks text at spaces so that each line fits; a single word wider than the width is broken between
     * characters, so no text is ever left out or cut short.
     *
     * @param text the caption
     * @param fm the metrics of the font it is drawn in
     * @param width the most pixels a line may take, {@code >= 1}
     * @return the lines, in order, together holding every word of {@code text}; empty for blank text
     */
    public static List<String> wrap(String text, FontMetrics fm, int width) {
        List<String> lines = new ArrayList<>();
        String line = "";
        for (String word : text.trim().split("\\s+")) {
            if (word.isEmpty()) {
                continue;
            }
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (fm.stringWidth(candidate) <= width) {
                line = candidate;
                continue;
            }
            if (!line.isEmpty()) {
                lines.add(line);
            }
            line = breakLongWord(word, fm, width, lines);
        }
        if (!line.isEmpty()) {
            lines.add(line);
        }
        return lines;
    }

    /** @return the word's last part; the parts before it, each as wide as fits, are added to {@code lines} */
    private static String breakLongWord(String word, FontMetrics fm, int width, List<String> lines) {
        String rest = word;
        while (fm.stringWidth(rest) > width && rest.length() > 1) {
            int end = 1;
            while (end < rest.length() && fm.stringWidth(rest.substring(0, end + 1)) <= width) {
                end++;
            }
            lines.add(rest.substring(0, end));
            rest = rest.substring(end);
        }
        return rest;
    }

    /**
     * @param lines text lines
     * @param fm the metrics of their font
     * @return the width of the widest line in pixels, 0 for none
     */
    public static int widest(List<String> lines, FontMetrics fm) {
        return lines.stream().mapToInt(fm::stringWidth).max().orElse(0);
    }
}
