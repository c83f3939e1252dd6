package io.rsground.train;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The pictures of a run (XChart): the loss per epoch, the validation metrics per epoch, and the terms of a stage
 * that runs before the grounding epochs (vision pre-training) per step.
 */
public final class TrainingPlots {
    /** Values spanning more than this ratio are drawn on a log axis, where the small ones stay readable. */
    private static final double LOG_SCALE_RATIO = 20;

    private TrainingPlots() {
    }

    /** As {@link #write(Path, List, Map)} with L1 and GIoU weighted 1 and no other term. */
    public static void write(Path dir, List<EpochLog> history) throws IOException {
        write(dir, history, Map.of("l1", 1.0, "giou", 1.0));
    }

    /**
     * Writes {@code loss.png} and {@code metrics.png} (validation Pr@0.5 and meanIoU). {@code loss.png} holds the
     * box loss, training against validation; when auxiliary terms make the training objective differ from it, a
     * second panel beside it holds the objective and each weighted term, on a log axis when their sizes differ
     * widely.
     *
     * @param dir the run's folder
     * @param history the epochs so far
     * @param weights each objective term's weight by name ({@code l1} and {@code giou} make the box loss)
     * @throws IOException when a picture cannot be written
     */
    public static void write(Path dir, List<EpochLog> history, Map<String, Double> weights) throws IOException {
        if (history.isEmpty()) {
            return;
        }
        List<XYChart> loss = lossCharts(history, weights);
        BitmapEncoder.saveBitmap(loss, 1, loss.size(), dir.resolve("loss.png").toString(),
                BitmapEncoder.BitmapFormat.PNG);
        List<Integer> valEpochs = new ArrayList<>();
        List<Double> pr50 = new ArrayList<>();
        List<Double> miou = new ArrayList<>();
        for (EpochLog e : history) {
            if (hasValidation(e)) {
                valEpochs.add(e.epoch());
                pr50.add(e.valPr50());
                miou.add(e.valMeanIou());
            }
        }
        if (!valEpochs.isEmpty()) {
            XYChart metrics = chart("Validation metrics per epoch", "epoch", "fraction");
            series(metrics, "Pr@0.5", valEpochs, pr50);
            series(metrics, "meanIoU", valEpochs, miou);
            metrics.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
            BitmapEncoder.saveBitmap(metrics, dir.resolve("metrics.png").toString(),
                    BitmapEncoder.BitmapFormat.PNG);
        }
    }

    /**
     * @return the panels of {@code loss.png}: the box loss (training and validation), and, when auxiliary terms
     *     weigh in, the training objective with each of its weighted terms
     */
    static List<XYChart> lossCharts(List<EpochLog> history, Map<String, Double> weights) {
        double l1Weight = weights.getOrDefault("l1", 0.0);
        double giouWeight = weights.getOrDefault("giou", 0.0);
        List<Integer> epochs = new ArrayList<>();
        List<Double> train = new ArrayList<>();
        List<Integer> valEpochs = new ArrayList<>();
        List<Double> val = new ArrayList<>();
        boolean auxiliary = false;
        boolean boxTerms = true;
        for (EpochLog e : history) {
            epochs.add(e.epoch());
            double box = trainingBoxLoss(e, l1Weight, giouWeight);
            train.add(box);
            boxTerms &= e.train() != null && e.train().containsKey("l1") && e.train().containsKey("giou");
            auxiliary |= Math.abs(e.trainLoss() - box) > 1e-6 * Math.max(1, Math.abs(box));
            if (hasValidation(e)) {
                valEpochs.add(e.epoch());
                val.add(e.valLoss());
            }
        }
        String box = number(l1Weight) + " \u00d7 L1 + " + number(giouWeight) + " \u00d7 GIoU";
        XYChart boxChart = boxTerms ? chart("Box loss per epoch: " + box, "epoch", box)
                : chart("Training loss per epoch", "epoch", "loss");
        series(boxChart, "training", epochs, train);
        if (!valEpochs.isEmpty()) {
            series(boxChart, "validation", valEpochs, val);
        }
        if (!auxiliary) {
            return List.of(boxChart);
        }
        Map<String, List<Double>> terms = new LinkedHashMap<>();
        terms.put("objective", history.stream().map(EpochLog::trainLoss).toList());
        weights.forEach((term, weight) -> {
            if (weight > 0 && history.stream().allMatch(e -> e.train() != null && e.train().containsKey(term))) {
                terms.put(number(weight) + " \u00d7 " + term,
                        history.stream().map(e -> weight * e.train().get(term)).toList());
            }
        });
        boolean log = logScale(terms);
        XYChart objective = chart("Training objective per epoch (\u03a3 weight \u00d7 term) and its weighted terms"
                + (log ? ", log scale" : ""), "epoch", "weighted term");
        terms.forEach((name, values) -> series(objective, name, epochs, values));
        objective.getStyler().setYAxisLogarithmic(log);
        return List.of(boxChart, objective);
    }

    /**
     * Writes a picture of a stage's running terms per step: the loss terms in one panel (log axis when their sizes
     * differ widely), the terms whose name ends in {@code accuracy} in another, on 0..1.
     *
     * @param file the PNG to write
     * @param stage what the titles call the stage, e.g. "Vision pre-training (stage 1)"
     * @param steps the step of each entry of {@code terms}
     * @param terms each logged step's terms by name (running means)
     * @throws IOException when the picture cannot be written
     */
    public static void writeStage(Path file, String stage, List<Integer> steps, List<Map<String, Double>> terms)
            throws IOException {
        if (steps.isEmpty()) {
            return;
        }
        List<XYChart> charts = stageCharts(stage, steps, terms);
        BitmapEncoder.saveBitmap(charts, 1, charts.size(), file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** @return the panels of {@link #writeStage}: the loss terms, then the accuracies when there are any */
    static List<XYChart> stageCharts(String stage, List<Integer> steps, List<Map<String, Double>> terms) {
        Map<String, List<Double>> losses = new LinkedHashMap<>();
        Map<String, List<Double>> accuracies = new LinkedHashMap<>();
        for (String name : terms.get(0).keySet()) {
            if (terms.stream().allMatch(t -> t.get(name) != null && Double.isFinite(t.get(name)))) {
                (name.endsWith("accuracy") ? accuracies : losses).put(name,
                        terms.stream().map(t -> t.get(name)).toList());
            }
        }
        List<XYChart> charts = new ArrayList<>();
        boolean log = logScale(losses);
        XYChart lossChart = chart(stage + ": loss terms, mean of the steps since the last point"
                + (log ? ", log scale" : ""), "step", "loss term");
        losses.forEach((name, values) -> series(lossChart, name, steps, values));
        lossChart.getStyler().setYAxisLogarithmic(log);
        charts.add(lossChart);
        if (!accuracies.isEmpty()) {
            XYChart accuracyChart = chart(stage + ": accuracy on the training steps", "step", "fraction");
            accuracies.forEach((name, values) -> series(accuracyChart, name, steps, values));
            accuracyChart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
            charts.add(accuracyChart);
        }
        return charts;
    }

    /**
     * Validation measures the box loss alone: the training curve beside it is the training box loss, not an
     * objective that auxiliary terms inflate.
     *
     * @return {@code l1Weight * l1 + giouWeight * giou} from the epoch's mean terms, or the epoch's training loss
     *     when it has no such terms
     */
    static double trainingBoxLoss(EpochLog e, double l1Weight, double giouWeight) {
        Double l1 = e.train() == null ? null : e.train().get("l1");
        Double giou = e.train() == null ? null : e.train().get("giou");
        return l1 != null && giou != null ? l1Weight * l1 + giouWeight * giou : e.trainLoss();
    }

    private static boolean hasValidation(EpochLog e) {
        return e.valLoss() != null && Double.isFinite(e.valLoss());
    }

    /** @return whether the values, all positive, span so wide a range that a linear axis would flatten some */
    private static boolean logScale(Map<String, List<Double>> series) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (List<Double> values : series.values()) {
            for (double v : values) {
                if (!(v > 0) || !Double.isFinite(v)) {
                    return false;
                }
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        return max > 0 && max / min > LOG_SCALE_RATIO;
    }

    private static String number(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart c = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
                .build();
        c.getStyler().setMarkerSize(6).setChartTitleVisible(true).setLegendVisible(true);
        return c;
    }

    private static void series(XYChart c, String name, List<Integer> x, List<Double> y) {
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
    }
}
