package io.rsground.eval;

import io.rsground.image.BoxPainter;
import io.rsground.image.PictureFiles;
import io.rsground.image.Images;
import io.rsground.image.TextLines;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import io.rsground.data.Sample;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A grid of evaluated samples for people to look at: a legend, then one tile per sample showing the image with the
 * ground truth in green and the prediction in red, and below it the whole query and the IoU (green for a hit).
 */
public final class PredictionGrid {
    private static final Color TRUTH = new Color(0x22C55E);
    private static final Color PREDICTED = new Color(0xEF4444);
    /** What the colours mean, as the legend says it. */
    private static final Map<Color, String> LEGEND = legendEntries();

    private PredictionGrid() {
    }

    private static Map<Color, String> legendEntries() {
        Map<Color, String> entries = new LinkedHashMap<>();
        entries.put(TRUTH, "ground truth");
        entries.put(PREDICTED, "prediction");
        return entries;
    }

    /**
     * @param samples the evaluated samples
     * @return the image file of a prediction of one of them, found by its sample index
     */
    public static Function<Prediction, Path> imagesOf(List<Sample> samples) {
        Map<Integer, Path> byIndex = new HashMap<>();
        samples.forEach(s -> byIndex.put(s.index(), s.imageFile()));
        return p -> {
            Path file = byIndex.get(p.index());
            if (file == null) {
                throw new IllegalArgumentException("no sample " + p.index() + " (" + p.image() + ") among those given");
            }
            return file;
        };
    }

    /**
     * Writes a PNG grid of a report's predictions.
     *
     * @param report the evaluated samples
     * @param imageOf each prediction's image file ({@link #imagesOf})
     * @param count samples shown, at most, on distinct images where there are enough ({@link #choose})
     * @param worst the samples with the lowest IoU instead of the first ones
     * @param tile tile side in pixels
     * @param out the PNG file
     * @throws IOException when an image cannot be read or the file not written
     */
    public static void write(EvalReport report, Function<Prediction, Path> imageOf, int count, boolean worst, int tile,
            Path out)
            throws IOException {
        List<Prediction> chosen = choose(report.predictions(), count, worst);
        int columns = (int) Math.ceil(Math.sqrt(chosen.size()));
        PictureFiles.write(render(chosen, imageOf, tile, columns), out);
    }

    /**
     * Picks the samples a grid shows, one per image while there are images enough: data sets ask several queries
     * of one image, and a grid of the first samples would show the same scene again and again.
     *
     * @param predictions the evaluated samples, in the report's order
     * @param count samples wanted, at most
     * @param worst lowest IoU first instead of the report's order
     * @return up to {@code count} predictions: the first of each image in that order, then, when there are fewer
     *     images than {@code count}, the next ones of images already shown
     */
    static List<Prediction> choose(List<Prediction> predictions, int count, boolean worst) {
        List<Prediction> ordered = new ArrayList<>(predictions);
        if (worst) {
            ordered.sort(Comparator.comparingDouble(Prediction::iouPixels));
        }
        Set<String> images = new HashSet<>();
        List<Prediction> chosen = new ArrayList<>();
        List<Prediction> repeats = new ArrayList<>();
        for (Prediction p : ordered) {
            if (images.add(p.image()) && chosen.size() < count) {
                chosen.add(p);
            } else {
                repeats.add(p);
            }
        }
        chosen.addAll(repeats.subList(0, Math.min(repeats.size(), Math.max(0, count - chosen.size()))));
        return chosen;
    }

    /**
     * @param predictions the samples to show, in order
     * @param imageOf each prediction's image file
     * @param tile side of each image tile in pixels
     * @param columns tiles per row
     * @return the grid: a legend on top (green ground truth, red prediction), then the tiles, each with its whole
     *     query wrapped over as many lines as it needs and the IoU
     */
    public static BufferedImage render(List<Prediction> predictions, Function<Prediction, Path> imageOf, int tile,
            int columns)
            throws IOException {
        int n = predictions.size();
        int cols = Math.max(1, Math.min(columns, n));
        int rows = Math.max(1, (n + cols - 1) / cols);
        int gap = 6;
        int width = cols * (tile + gap) + gap;
        Font font = font(tile);
        FontMetrics fm = metrics(font);
        int lines = 1;
        for (Prediction p : predictions) {
            lines = Math.max(lines, TextLines.wrap(p.query(), fm, queryWidth(tile)).size());
        }
        // the score's line, then the query's
        int captionHeight = (1 + lines) * fm.getHeight() + 4;
        int legendHeight = legend(null, fm, width, gap);
        BufferedImage grid = new BufferedImage(width, legendHeight + rows * (tile + captionHeight + gap) + gap,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        try {
            g.setColor(new Color(0x111827));
            g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setFont(font);
            legend(g, fm, width, gap);
            for (int i = 0; i < n; i++) {
                Prediction p = predictions.get(i);
                BufferedImage image = Images.read(imageOf.apply(p));
                BufferedImage drawn = BoxPainter.draw(image, List.of(
                        new BoxPainter.Labelled(p.truthPixels(), "", TRUTH),
                        new BoxPainter.Labelled(p.predictedPixels(), "", PREDICTED)));
                double s = (double) tile / Math.max(image.getWidth(), image.getHeight());
                int w = (int) Math.round(image.getWidth() * s);
                int h = (int) Math.round(image.getHeight() * s);
                int x = gap + (i % cols) * (tile + gap);
                int y = legendHeight + gap + (i / cols) * (tile + captionHeight + gap);
                g.drawImage(drawn, x + (tile - w) / 2, y + (tile - h) / 2, w, h, null);
                caption(g, fm, p, x, y + tile, tile);
            }
        } finally {
            g.dispose();
        }
        return grid;
    }

    /**
     * @param query a query
     * @param tile the tile side in pixels, as given to {@link #render}
     * @return the lines the query is drawn in under its tile, below the score's line
     */
    static List<String> captionLines(String query, int tile) {
        return TextLines.wrap(query, metrics(font(tile)), queryWidth(tile));
    }

    /**
     * @param tile the tile side in pixels, as given to {@link #render}
     * @return the height of one caption line in pixels
     */
    static int lineHeight(int tile) {
        return metrics(font(tile)).getHeight();
    }

    private static Font font(int tile) {
        return new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(11, tile / 15));
    }

    private static int queryWidth(int tile) {
        return Math.max(1, tile - 4);
    }

    private static FontMetrics metrics(Font font) {
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            return g.getFontMetrics(font);
        } finally {
            g.dispose();
        }
    }

    /**
     * Lays out (and with a graphics, draws) the legend's entries left to right, on as many rows as the width
     * needs.
     *
     * @param g where to draw, or null to measure only
     * @return the legend's height in pixels
     */
    private static int legend(Graphics2D g, FontMetrics fm, int width, int gap) {
        int swatch = fm.getAscent();
        int x = gap;
        int y = gap;
        int rowHeight = 0;
        for (Map.Entry<Color, String> entry : LEGEND.entrySet()) {
            List<String> lines = TextLines.wrap(entry.getValue(), fm, Math.max(1, width - 2 * gap - swatch - 4));
            int entryWidth = swatch + 4 + TextLines.widest(lines, fm);
            if (x > gap && x + entryWidth > width - gap) {
                x = gap;
                y += rowHeight;
                rowHeight = 0;
            }
            if (g != null) {
                g.setColor(entry.getKey());
                g.fillRect(x, y + (fm.getHeight() - swatch) / 2, swatch, swatch);
                g.setColor(Color.WHITE);
                for (int i = 0; i < lines.size(); i++) {
                    g.drawString(lines.get(i), x + swatch + 4, y + i * fm.getHeight() + fm.getAscent());
                }
            }
            rowHeight = Math.max(rowHeight, lines.size() * fm.getHeight());
            x += entryWidth + 2 * gap;
        }
        return y + rowHeight;
    }

    /** Draws the IoU (green for a hit, red for a miss) on the first line, then the whole query, wrapped. */
    private static void caption(Graphics2D g, FontMetrics fm, Prediction p, int x, int y, int width) {
        double iou = p.iouPixels();
        g.setColor(iou >= 0.5 ? TRUTH : PREDICTED);
        int baseline = y + fm.getAscent() + 2;
        g.drawString(scoreLabel(iou), x + 2, baseline);
        g.setColor(Color.WHITE);
        for (String line : TextLines.wrap(p.query(), fm, queryWidth(width))) {
            baseline += fm.getHeight();
            g.drawString(line, x + 2, baseline);
        }
    }

    /**
     * The IoU shown under a tile, rounded down: rounded to nearest, 0.497 would read "0.50" in the colour of a miss.
     *
     * @param iou in [0, 1]
     * @return e.g. "IoU 0.49"
     */
    static String scoreLabel(double iou) {
        return "IoU " + BigDecimal.valueOf(iou).setScale(2, RoundingMode.FLOOR).toPlainString();
    }
}
