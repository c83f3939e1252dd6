package io.rsground.eval;

import io.rsground.image.BoxPainter;
import io.rsground.image.PictureFiles;
import io.rsground.image.Images;
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
import java.util.Map;
import java.util.function.Function;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A grid of evaluated samples for people to look at: each tile shows the image with the ground truth in green and
 * the prediction in red, and below it the query and the IoU.
 */
public final class PredictionGrid {
    private static final Color TRUTH = new Color(0x22C55E);
    private static final Color PREDICTED = new Color(0xEF4444);

    private PredictionGrid() {
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
     * @param count samples shown, at most
     * @param worst the samples with the lowest IoU instead of the first ones
     * @param tile tile side in pixels
     * @param out the PNG file
     * @throws IOException when an image cannot be read or the file not written
     */
    public static void write(EvalReport report, Function<Prediction, Path> imageOf, int count, boolean worst, int tile,
            Path out)
            throws IOException {
        List<Prediction> chosen = new ArrayList<>(report.predictions());
        if (worst) {
            chosen.sort(Comparator.comparingDouble(Prediction::iouPixels));
        }
        chosen = chosen.subList(0, Math.min(count, chosen.size()));
        int columns = (int) Math.ceil(Math.sqrt(chosen.size()));
        PictureFiles.write(render(chosen, imageOf, tile, columns), out);
    }

    /**
     * @param predictions the samples to show, in order
     * @param imageOf each prediction's image file
     * @param tile side of each image tile in pixels
     * @param columns tiles per row
     * @return the grid
     */
    public static BufferedImage render(List<Prediction> predictions, Function<Prediction, Path> imageOf, int tile,
            int columns)
            throws IOException {
        int n = predictions.size();
        int cols = Math.max(1, Math.min(columns, n));
        int rows = Math.max(1, (n + cols - 1) / cols);
        int captionHeight = Math.max(40, tile / 5);
        int gap = 6;
        BufferedImage grid = new BufferedImage(cols * (tile + gap) + gap, rows * (tile + captionHeight + gap) + gap,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        try {
            g.setColor(new Color(0x111827));
            g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
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
                int y = gap + (i / cols) * (tile + captionHeight + gap);
                g.drawImage(drawn, x + (tile - w) / 2, y + (tile - h) / 2, w, h, null);
                caption(g, p, x, y + tile, tile, captionHeight);
            }
        } finally {
            g.dispose();
        }
        return grid;
    }

    private static void caption(Graphics2D g, Prediction p, int x, int y, int width, int height) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(11, height / 3)));
        FontMetrics fm = g.getFontMetrics();
        double iou = p.iouPixels();
        String score = scoreLabel(iou);
        // the query wraps in the space left of the score, so the two never overlap
        List<String> lines = wrap(p.query(), fm, width - fm.stringWidth(score) - 10, 2);
        g.setColor(Color.WHITE);
        int baseline = y + fm.getAscent() + 2;
        for (String line : lines) {
            g.drawString(line, x + 2, baseline);
            baseline += fm.getHeight();
        }
        g.setColor(iou >= 0.5 ? TRUTH : PREDICTED);
        g.drawString(score, x + width - fm.stringWidth(score) - 2, y + fm.getAscent() + 2);
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

    private static List<String> wrap(String text, FontMetrics fm, int width, int maxLines) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split("\\s+")) {
            String candidate = line.length() == 0 ? word : line + " " + word;
            if (fm.stringWidth(candidate) <= width || line.length() == 0) {
                line = new StringBuilder(candidate);
            } else {
                lines.add(line.toString());
                line = new StringBuilder(word);
                if (lines.size() == maxLines) {
                    break;
                }
            }
        }
        if (lines.size() < maxLines && line.length() > 0) {
            lines.add(line.toString());
        } else if (lines.size() == maxLines) {
            String last = lines.get(maxLines - 1);
            lines.set(maxLines - 1, last + "…");
        }
        return lines;
    }
}
