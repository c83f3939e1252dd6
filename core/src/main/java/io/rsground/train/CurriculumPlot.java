package io.rsground.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/** The curriculum's stages as a picture: labels kept and the search score of each stage, the chosen one marked. */
final class CurriculumPlot {
    private CurriculumPlot() {
    }

    static void write(Curriculum.Result result, Path file) throws IOException {
        List<String> names = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        List<Double> labels = new ArrayList<>();
        int most = result.stages().stream().mapToInt(Curriculum.Stage::labels).max().orElse(1);
        for (Curriculum.Stage s : result.stages()) {
            names.add(s.name() + (s.threshold() == null ? ": all" : String.format(Locale.ROOT, ": IoU >= %.2f",
                    s.threshold())) + (s == result.chosen() ? " *" : ""));
            scores.add(100 * s.searchPr50());
            labels.add(100.0 * s.labels() / most);
        }
        CategoryChart chart = new CategoryChartBuilder().width(800).height(480).title(String.format(Locale.ROOT,
                "Self-paced curriculum: %s Pr@0.5 per stage (* chosen)", result.searchSplit()))
                .xAxisTitle("stage: the labels it trained on").yAxisTitle("%").build();
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
        chart.addSeries("Pr@0.5 on " + result.searchSplit(), names, scores);
        chart.addSeries("labels kept (% of all)", names, labels);
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
