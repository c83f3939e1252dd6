package io.rsground.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The pictures of a run: loss per epoch, validation metrics per epoch (XChart). */
public final class TrainingPlots {
    private TrainingPlots() {
    }

    /** As {@link #write(Path, List, double, double)} with L1 and GIoU weighted 1. */
    public static void write(Path dir, List<EpochLog> history) throws IOException {
        write(dir, history, 1, 1);
    }

    /**
     * Writes {@code loss.png} (training and validation box loss, and the training objective when auxiliary terms
     * make it differ) and {@code metrics.png} (Pr@0.5, meanIoU).
     *
     * @param l1Weight weight of the L1 term in the box loss
     * @param giouWeight weight of the GIoU term
     */
    public static void write(Path dir, List<EpochLog> history, double l1Weight, double giouWeight)
            throws IOException {
        if (history.isEmpty()) {
            return;
        }
        List<Integer> epochs = new ArrayList<>();
        List<Double> train = new ArrayList<>();
        List<Double> objective = new ArrayList<>();
        boolean auxiliary = false;
        List<Integer> valEpochs = new ArrayList<>();
        List<Double> val = new ArrayList<>();
        List<Double> pr50 = new ArrayList<>();
        List<Double> miou = new ArrayList<>();
        for (EpochLog e : history) {
            epochs.add(e.epoch());
            double box = trainingBoxLoss(e, l1Weight, giouWeight);
            train.add(box);
            objective.add(e.trainLoss());
            auxiliary |= Math.abs(e.trainLoss() - box) > 1e-6 * Math.max(1, Math.abs(box));
            if (e.valLoss() != null && Double.isFinite(e.valLoss())) {
                valEpochs.add(e.epoch());
                val.add(e.valLoss());
                pr50.add(e.valPr50());
                miou.add(e.valMeanIou());
            }
        }
        XYChart loss = chart("Loss per epoch", "loss (L1 + GIoU)");
        series(loss, "training", epochs, train);
        if (!valEpochs.isEmpty()) {
            series(loss, "validation", valEpochs, val);
        }
        if (auxiliary) {
            series(loss, "training objective (with auxiliary terms)", epochs, objective);
        }
        BitmapEncoder.saveBitmap(loss, dir.resolve("loss.png").toString(), BitmapEncoder.BitmapFormat.PNG);
        if (!valEpochs.isEmpty()) {
            XYChart metrics = chart("Validation metrics per epoch", "fraction");
            series(metrics, "Pr@0.5", valEpochs, pr50);
            series(metrics, "meanIoU", valEpochs, miou);
            metrics.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
            BitmapEncoder.saveBitmap(metrics, dir.resolve("metrics.png").toString(),
                    BitmapEncoder.BitmapFormat.PNG);
        }
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

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("epoch").yAxisTitle(yTitle)
                .build();
        c.getStyler().setMarkerSize(6).setChartTitleVisible(true).setLegendVisible(true);
        return c;
    }

    private static void series(XYChart c, String name, List<Integer> x, List<Double> y) {
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.CIRCLE);
    }
}
