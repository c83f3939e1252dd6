package io.rsground.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Metrics of one evaluated split: in original-image pixels (primary, as the DIOR-RSVG authors report) and in the
 * padded normalised square (as CLIP-VG reports), per class and by query length.
 */
public final class EvalReport {
    /** Query-length buckets (words, inclusive upper bounds) for the by-length table. */
    static final int[] LENGTH_BUCKETS = {3, 5, 7, 10, Integer.MAX_VALUE};

    private final String split;
    private final String fingerprint;
    private final List<Prediction> predictions;
    private final Metrics pixel = new Metrics();
    private final Metrics normalized = new Metrics();
    private final Map<String, Metrics> perClass = new TreeMap<>();
    private final Map<String, Metrics> perLength = new LinkedHashMap<>();

    /**
     * @param split the split's name
     * @param predictions every evaluated sample
     */
    public EvalReport(String split, List<Prediction> predictions) {
        this(split, null, predictions);
    }

    /**
     * @param split the split's name
     * @param fingerprint the evaluated samples' {@link io.rsground.data.SplitFingerprint}, or null when unknown
     * @param predictions every evaluated sample
     */
    public EvalReport(String split, String fingerprint, List<Prediction> predictions) {
        this.split = split;
        this.fingerprint = fingerprint;
        this.predictions = List.copyOf(predictions);
        for (int upper : LENGTH_BUCKETS) {
            perLength.put(bucketName(upper), new Metrics());
        }
        for (Prediction p : predictions) {
            pixel.add(p.predictedPixels(), p.truthPixels());
            normalized.add(p.predictedNormalized(), p.truthNormalized());
            perClass.computeIfAbsent(p.className(), c -> new Metrics()).add(p.predictedPixels(), p.truthPixels());
            perLength.get(bucketName(bucket(p.queryWords()))).add(p.predictedPixels(), p.truthPixels());
        }
    }

    private static int bucket(int words) {
        for (int upper : LENGTH_BUCKETS) {
            if (words <= upper) {
                return upper;
            }
        }
        return Integer.MAX_VALUE;
    }

    private static String bucketName(int upper) {
        int previous = 0;
        for (int u : LENGTH_BUCKETS) {
            if (u == upper) {
                break;
            }
            previous = u;
        }
        return upper == Integer.MAX_VALUE ? (previous + 1) + "+ words" : (previous + 1) + "-" + upper + " words";
    }

    /** @return the split's name */
    public String split() {
        return split;
    }

    /** @return the evaluated samples' fingerprint, or null when unknown */
    public String fingerprint() {
        return fingerprint;
    }

    /** @return metrics in original pixels */
    public Metrics pixel() {
        return pixel;
    }

    /** @return metrics in the padded normalised square */
    public Metrics normalized() {
        return normalized;
    }

    /** @return per-class metrics (pixels) */
    public Map<String, Metrics> perClass() {
        return perClass;
    }

    /**
     * @param l1Weight weight of the L1 term
     * @param giouWeight weight of the GIoU term
     * @return mean box loss over the samples and its terms: {"loss", "l1", "giou"} (NaN when empty)
     */
    public Map<String, Double> boxLoss(double l1Weight, double giouWeight) {
        double l1 = 0;
        double giou = 0;
        for (Prediction p : predictions) {
            l1 += p.l1Loss();
            giou += p.giouLoss();
        }
        int n = predictions.size();
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", n == 0 ? Double.NaN : (l1Weight * l1 + giouWeight * giou) / n);
        out.put("l1", n == 0 ? Double.NaN : l1 / n);
        out.put("giou", n == 0 ? Double.NaN : giou / n);
        return out;
    }

    /** @return the evaluated samples */
    public List<Prediction> predictions() {
        return predictions;
    }

    /**
     * @return {"split", "split_fingerprint", "samples", "pixel": {...}, "normalized": {...}, "per_class": {class: {"samples", "pr50",
     *     "mean_iou"}}}, values as fractions in [0, 1]
     */
    public ObjectNode toJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("split", split);
        root.put("split_fingerprint", fingerprint);
        root.put("samples", predictions.size());
        root.set("pixel", m.valueToTree(pixel.toMap()));
        root.set("normalized", m.valueToTree(normalized.toMap()));
        ObjectNode classes = root.putObject("per_class");
        perClass.forEach((c, metrics) -> {
            ObjectNode n = classes.putObject(c);
            n.put("samples", metrics.samples());
            n.put("pr50", metrics.precisionAt(0.5));
            n.put("mean_iou", metrics.meanIou());
        });
        return root;
    }

    /**
     * Writes the report's files, each only when its path is given.
     *
     * @param json the metrics as JSON ({@link #toJson}), or null
     * @param predictions one JSON line per sample, or null
     * @param markdown the Markdown report, or null
     */
    public void write(Path json, Path predictions, Path markdown) throws IOException {
        if (json != null) {
            writeJson(json);
        }
        if (predictions != null) {
            writePredictions(predictions);
        }
        if (markdown != null) {
            Files.writeString(markdown, toMarkdown());
        }
    }

    /** Writes {@link #toJson()}. */
    public void writeJson(Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), toJson());
    }

    /**
     * Writes one JSON line per sample: index, image, query, class, ground truth and predicted box, IoU, and the
     * presence score when the model has a presence head.
     */
    public void writePredictions(Path file) throws IOException {
        ObjectMapper m = new ObjectMapper();
        try (BufferedWriter w = Files.newBufferedWriter(file)) {
            for (Prediction p : predictions) {
                ObjectNode n = m.createObjectNode();
                n.put("index", p.index());
                n.put("image", p.image());
                n.put("query", p.query());
                n.put("class", p.className());
                n.set("gt_xyxy", m.valueToTree(p.truthPixels().toXyxy()));
                n.set("pred_xyxy", m.valueToTree(p.predictedPixels().toXyxy()));
                n.put("iou", p.iouPixels());
                n.put("iou_normalized", p.iouNormalized());
                if (p.score() != null) {
                    n.put("score", p.score());
                }
                w.write(m.writeValueAsString(n));
                w.newLine();
            }
        }
    }

    /** @return a Markdown report: headline table (both spaces), per-class table and query-length table */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Evaluation: ").append(split).append(" split, ").append(predictions.size()).append(" samples\n\n");
        if (fingerprint != null) {
            sb.append("Split fingerprint: `").append(fingerprint).append("` (equal fingerprints: the same "
                    + "expressions on the same boxes, in the same order).\n\n");
        }
        sb.append("Boxes compared in original-image pixels (primary) and in the padded, normalised model input "
                + "square (as CLIP-VG reports). Pr@t = share of samples with IoU >= t; cumIoU = total "
                + "intersection / total union.\n\n");
        sb.append("| space | Pr@0.5 | Pr@0.6 | Pr@0.7 | Pr@0.8 | Pr@0.9 | meanIoU | cumIoU |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        row(sb, "pixels", pixel);
        row(sb, "normalised", normalized);
        sb.append("\n## Per class (pixels)\n\n| class | samples | Pr@0.5 | meanIoU |\n|---|---|---|---|\n");
        perClass.forEach((c, m) -> sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% | %.4f |%n", c,
                m.samples(), 100 * m.precisionAt(0.5), m.meanIou())));
        sb.append("\n## By query length (pixels)\n\n| query length | samples | Pr@0.5 | meanIoU |\n|---|---|---|---|\n");
        perLength.forEach((b, m) -> {
            if (m.samples() > 0) {
                sb.append(String.format(Locale.ROOT, "| %s | %d | %.2f%% | %.4f |%n", b, m.samples(),
                        100 * m.precisionAt(0.5), m.meanIou()));
            }
        });
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Metrics m) {
        List<String> cells = new ArrayList<>();
        for (double t : Metrics.THRESHOLDS) {
            cells.add(String.format(Locale.ROOT, "%.2f%%", 100 * m.precisionAt(t)));
        }
        sb.append("| ").append(name).append(" | ").append(String.join(" | ", cells)).append(String.format(
                Locale.ROOT, " | %.4f | %.4f |%n", m.meanIou(), m.cumIou()));
    }

    /** @return a one-line summary, e.g. "Pr@0.5 83.10% meanIoU 0.7123 cumIoU 0.7456 (pixels, 812 samples)" */
    public String headline() {
        return String.format(Locale.ROOT, "Pr@0.5 %.2f%%  meanIoU %.4f  cumIoU %.4f  (pixels, %d samples; "
                + "normalised square: Pr@0.5 %.2f%%)", 100 * pixel.precisionAt(0.5), pixel.meanIou(),
                pixel.cumIou(), predictions.size(), 100 * normalized.precisionAt(0.5))
                + (fingerprint == null ? "" : " split " + fingerprint);
    }
}
