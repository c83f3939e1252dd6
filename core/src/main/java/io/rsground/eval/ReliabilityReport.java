package io.rsground.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * How reliable each label of a data set is in the eyes of a measurer model, as CLIP-VG's curriculum scores its
 * pseudo-labels: the reliability of a label is the IoU between the measurer's box for its expression and the
 * label's box. Reports every label's reliability, their histogram (a picture, by source when the labels have one)
 * and how many labels each threshold keeps, the quantity a curriculum's threshold search trades against accuracy.
 */
public final class ReliabilityReport {
    /** Histogram bins over [0, 1]. */
    public static final int BINS = 20;
    /** Thresholds whose kept counts are reported. */
    static final double[] THRESHOLDS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

    private final List<Prediction> predictions;
    private final IntFunction<String> sourceOf;

    /**
     * @param predictions the measurer's predictions of every label ({@link Evaluator}); the truth is the label
     * @param sourceOf each label's source (e.g. {@code template}, {@code relation}) by its global index, or null
     */
    public ReliabilityReport(List<Prediction> predictions, IntFunction<String> sourceOf) {
        this.predictions = List.copyOf(predictions);
        this.sourceOf = sourceOf != null ? sourceOf : i -> null;
    }

    /** @return each label's reliability, IoU in [0, 1] in original pixels, in prediction order */
    public double[] reliabilities() {
        return predictions.stream().mapToDouble(Prediction::iouPixels).toArray();
    }

    /** @return labels whose reliability is at least the threshold */
    public int kept(double threshold) {
        return (int) Arrays.stream(reliabilities()).filter(r -> r >= threshold).count();
    }

    /** @return per source (in order of first appearance; "all" when no label has one), the reliabilities */
    public Map<String, double[]> bySource() {
        Map<String, List<Double>> groups = new LinkedHashMap<>();
        for (Prediction p : predictions) {
            String source = sourceOf.apply(p.index());
            groups.computeIfAbsent(source == null ? "all" : source, k -> new ArrayList<>()).add(p.iouPixels());
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        groups.forEach((k, v) -> out.put(k, v.stream().mapToDouble(Double::doubleValue).toArray()));
        return out;
    }

    /** @return counts of the values in {@value #BINS} equal bins over [0, 1] (1.0 in the last) */
    static int[] histogram(double[] values) {
        int[] counts = new int[BINS];
        for (double v : values) {
            counts[Math.min(BINS - 1, Math.max(0, (int) Math.floor(v * BINS)))]++;
        }
        return counts;
    }

    /**
     * @return {@code {"labels", "mean", "median", "kept_at": {"0.1": n, ...}, "histogram": [20 counts],
     *     "sources": {source: {"labels", "mean", "kept_at_0.5", "histogram"}}}}
     */
    public ObjectNode toJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        double[] all = reliabilities();
        root.put("labels", all.length);
        root.put("mean", Arrays.stream(all).average().orElse(Double.NaN));
        double[] sorted = all.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        root.put("median", n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2);
        ObjectNode kept = root.putObject("kept_at");
        for (double t : THRESHOLDS) {
            kept.put(String.format(Locale.ROOT, "%.1f", t), kept(t));
        }
        ArrayNode histogram = root.putArray("histogram");
        Arrays.stream(histogram(all)).forEach(histogram::add);
        ObjectNode sources = root.putObject("sources");
        bySource().forEach((source, values) -> {
            ObjectNode s = sources.putObject(source);
            s.put("labels", values.length);
            s.put("mean", Arrays.stream(values).average().orElse(Double.NaN));
            s.put("kept_at_0.5", Arrays.stream(values).filter(v -> v >= 0.5).count());
            ArrayNode h = s.putArray("histogram");
            Arrays.stream(histogram(values)).forEach(h::add);
        });
        return root;
    }

    /** Writes {@code summary.json}, {@code reliability.jsonl} (one line per label) and {@code histogram.png}. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("summary.json")
                .toFile(), toJson());
        ObjectMapper m = new ObjectMapper();
        // written whole under another name first: a curriculum that finds the file takes it as complete
        Path partial = dir.resolve("reliability.jsonl.partial");
        try (BufferedWriter out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            for (Prediction p : predictions) {
                ObjectNode line = m.createObjectNode();
                line.put("index", p.index());
                line.put("image", p.image());
                line.put("query", p.query());
                line.put("class", p.className());
                line.put("source", sourceOf.apply(p.index()));
                line.set("box_xyxy", m.valueToTree(p.truthPixels().toXyxy()));
                line.set("predicted_xyxy", m.valueToTree(p.predictedPixels().toXyxy()));
                line.put("reliability", p.iouPixels());
                out.write(m.writeValueAsString(line));
                out.write('\n');
            }
        }
        Files.move(partial, dir.resolve("reliability.jsonl"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        writeHistogram(dir.resolve("histogram.png"));
    }

    private void writeHistogram(Path file) throws IOException {
        double[] all = reliabilities();
        CategoryChart chart = new CategoryChartBuilder().width(900).height(520).title(String.format(Locale.ROOT,
                "Reliability of %,d labels (mean IoU %.3f; %,d at 0.5 or more)", all.length,
                Arrays.stream(all).average().orElse(0), kept(0.5))).xAxisTitle("IoU of the measurer's box with the "
                + "label's box").yAxisTitle("labels").build();
        chart.getStyler().setOverlapped(true).setXAxisLabelRotation(45);
        List<String> labels = new ArrayList<>();
        for (int b = 0; b < BINS; b++) {
            labels.add(String.format(Locale.ROOT, "%.2f", (double) b / BINS));
        }
        bySource().forEach((source, values) -> chart.addSeries(source, labels,
                Arrays.stream(histogram(values)).boxed().toList()));
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
