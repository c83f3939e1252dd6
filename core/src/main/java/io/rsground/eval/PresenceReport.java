package io.rsground.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * How well a presence score tells queries whose object is in the image from queries whose object is not: the
 * area under the ROC curve, accuracy at a threshold, and calibration (a reliability diagram: in each score bin, the
 * share of queries whose object is there, against the bin's mean score).
 *
 * @param present scores of queries whose referred object is in the image
 * @param absent scores of queries whose referred object is not
 */
public record PresenceReport(double[] present, double[] absent) {
    /** Bins of the reliability diagram. */
    public static final int BINS = 10;

    /**
     * One bin of the reliability diagram.
     *
     * @param from lower edge (inclusive)
     * @param to upper edge (exclusive; the last bin includes 1)
     * @param count queries whose score falls in the bin
     * @param meanScore their mean score (NaN when empty)
     * @param presentShare the share of them whose object is in the image (NaN when empty)
     */
    public record Bin(double from, double to, int count, double meanScore, double presentShare) {
    }

    /**
     * @param present predictions of queries whose object is in the image
     * @param absent predictions of queries whose object is not
     * @return the report of their scores
     * @throws IllegalArgumentException when a prediction has no score (a model without a presence head)
     */
    public static PresenceReport of(List<Prediction> present, List<Prediction> absent) {
        return new PresenceReport(scores(present), scores(absent));
    }

    private static double[] scores(List<Prediction> predictions) {
        double[] out = new double[predictions.size()];
        for (int i = 0; i < out.length; i++) {
            Double s = predictions.get(i).score();
            if (s == null) {
                throw new IllegalArgumentException("prediction of sample " + predictions.get(i).index()
                        + " has no score: the model has no presence head");
            }
            out[i] = s;
        }
        return out;
    }

    /**
     * @return the probability that a random present query scores above a random absent one (ties count half):
     *     the Mann-Whitney statistic over both counts
     */
    public double auroc() {
        int n = present.length + absent.length;
        if (present.length == 0 || absent.length == 0) {
            return Double.NaN;
        }
        double[][] all = new double[n][];
        for (int i = 0; i < present.length; i++) {
            all[i] = new double[] {present[i], 1};
        }
        for (int i = 0; i < absent.length; i++) {
            all[present.length + i] = new double[] {absent[i], 0};
        }
        Arrays.sort(all, (a, b) -> Double.compare(a[0], b[0]));
        double presentRankSum = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j < n && all[j][0] == all[i][0]) {
                j++;
            }
            double rank = (i + 1 + j) / 2.0; // mean of ranks i+1 .. j
            for (int k = i; k < j; k++) {
                presentRankSum += all[k][1] * rank;
            }
            i = j;
        }
        double np = present.length;
        return (presentRankSum - np * (np + 1) / 2) / (np * absent.length);
    }

    /** @return the share of queries on the right side of the threshold (present at or above it) */
    public double accuracy(double threshold) {
        int right = 0;
        for (double s : present) {
            right += s >= threshold ? 1 : 0;
        }
        for (double s : absent) {
            right += s < threshold ? 1 : 0;
        }
        return (double) right / Math.max(1, present.length + absent.length);
    }

    /** @return {@value #BINS} equal-width bins over [0, 1] */
    public List<Bin> reliability() {
        int[] count = new int[BINS];
        double[] scoreSum = new double[BINS];
        int[] presentCount = new int[BINS];
        for (int pass = 0; pass < 2; pass++) {
            for (double s : pass == 0 ? present : absent) {
                int b = Math.min(BINS - 1, Math.max(0, (int) Math.floor(s * BINS)));
                count[b]++;
                scoreSum[b] += s;
                presentCount[b] += pass == 0 ? 1 : 0;
            }
        }
        List<Bin> bins = new ArrayList<>(BINS);
        for (int b = 0; b < BINS; b++) {
            bins.add(new Bin((double) b / BINS, (double) (b + 1) / BINS, count[b],
                    count[b] == 0 ? Double.NaN : scoreSum[b] / count[b],
                    count[b] == 0 ? Double.NaN : (double) presentCount[b] / count[b]));
        }
        return bins;
    }

    /** @return the expected calibration error: the count-weighted mean of |share present - mean score| over bins */
    public double expectedCalibrationError() {
        double sum = 0;
        int n = 0;
        for (Bin b : reliability()) {
            if (b.count() > 0) {
                sum += b.count() * Math.abs(b.presentShare() - b.meanScore());
                n += b.count();
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** @return the figures as JSON: counts, AUROC, accuracy at 0.5, ECE and the bins */
    public ObjectNode toJson() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("present_queries", present.length);
        n.put("absent_queries", absent.length);
        n.put("auroc", auroc());
        n.put("accuracy_at_0.5", accuracy(0.5));
        n.put("expected_calibration_error", expectedCalibrationError());
        ArrayNode bins = n.putArray("reliability");
        for (Bin b : reliability()) {
            ObjectNode j = bins.addObject();
            j.put("from", b.from());
            j.put("to", b.to());
            j.put("count", b.count());
            j.put("mean_score", Double.isNaN(b.meanScore()) ? null : b.meanScore());
            j.put("present_share", Double.isNaN(b.presentShare()) ? null : b.presentShare());
        }
        return n;
    }

    /** Writes {@link #toJson()} to a file. */
    public void writeJson(Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), toJson());
    }

    /** @return a Markdown section with the figures */
    public String toMarkdown() {
        return String.format(Locale.ROOT, "## Presence score%n%n%d queries whose object is in the image, %d whose "
                + "object is not (another expression of the split naming a class, or a colour of it, that the image "
                + "lacks).%n%n| AUROC | accuracy at 0.5 | expected calibration error |%n|---|---|---|%n"
                + "| %.4f | %.2f %% | %.4f |%n", present.length, absent.length, auroc(), 100 * accuracy(0.5),
                expectedCalibrationError());
    }

    /**
     * Draws the reliability diagram (share present against mean score per bin, beside the diagonal of a calibrated
     * score) above the score histograms of both kinds of query.
     *
     * @param file the PNG to write
     */
    public void writeDiagram(Path file) throws IOException {
        XYChart diagram = new XYChartBuilder().width(640).height(520).title(String.format(Locale.ROOT,
                "Reliability of the presence score (AUROC %.3f, ECE %.3f)", auroc(), expectedCalibrationError()))
                .xAxisTitle("mean score in bin").yAxisTitle("share whose object is in the image").build();
        diagram.getStyler().setXAxisMin(0.0).setXAxisMax(1.0).setYAxisMin(0.0).setYAxisMax(1.0)
                .setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        diagram.addSeries("calibrated", new double[] {0, 1}, new double[] {0, 1}).setMarker(SeriesMarkers.NONE);
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (Bin b : reliability()) {
            if (b.count() > 0) {
                x.add(b.meanScore());
                y.add(b.presentShare());
            }
        }
        if (!x.isEmpty()) {
            XYSeries s = diagram.addSeries("this model", x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        CategoryChart histogram = new CategoryChartBuilder().width(640).height(520)
                .title("Scores of both kinds of query").xAxisTitle("score bin").yAxisTitle("queries").build();
        histogram.getStyler().setOverlapped(true).setXAxisLabelRotation(45);
        List<String> labels = new ArrayList<>();
        for (int b = 0; b < BINS; b++) {
            labels.add(String.format(Locale.ROOT, "%.1f-%.1f", (double) b / BINS, (double) (b + 1) / BINS));
        }
        histogram.addSeries("object in the image", labels, histogramOf(present));
        histogram.addSeries("object not in the image", labels, histogramOf(absent));
        BitmapEncoder.saveBitmap(List.of(diagram, histogram), 2, 1, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    private static List<Integer> histogramOf(double[] scores) {
        Integer[] counts = new Integer[BINS];
        Arrays.fill(counts, 0);
        for (double s : scores) {
            counts[Math.min(BINS - 1, Math.max(0, (int) Math.floor(s * BINS)))]++;
        }
        return Arrays.asList(counts);
    }
}
