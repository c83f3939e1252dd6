package io.rsground.train;

import io.rsground.config.ConfigException;
import io.rsground.config.TrainConfig;
import io.rsground.data.DatasetException;
import io.rsground.data.Sample;
import io.rsground.data.pseudo.PseudoSources;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * CLIP-VG's self-paced curriculum as a sequence of training runs in one folder, each stage a folder of its own with
 * the usual outputs; {@code curriculum.json} records the stages done, so a killed curriculum resumes at the stage
 * it was in (and that stage's run from its last checkpoint). A time budget ({@code run.time_budget_minutes}) is
 * shared equally by the stages planned.
 *
 * <p><b>Single source (SSA).</b> A measurer trained on every training label; each label's reliability (the IoU of
 * the measurer's box with the label's); then, for the thresholds in increasing order, a model trained only on the
 * labels reaching the threshold, scored on the search split. The search stops at the first threshold that scores
 * lower than the best so far (greedy); the best stage is the result (a tie goes to the later, more selective one).
 *
 * <p><b>Multi-source (MSA).</b> The labels' sources ({@code pseudo.jsonl} of {@code rsground pseudo}: template,
 * relation) are taken in turn, in order of first appearance. For each, a measurer is trained on its labels alone;
 * its labels are scored by that measurer and, from the second source on, also by the model the previous source
 * chose; for each measurer the thresholds are searched greedily, each candidate trained on the labels selected so
 * far plus this source's labels reaching the threshold. The candidate scoring best joins its labels to the
 * selection; the last source's choice is the result.
 */
public final class Curriculum {
    /** Thresholds tried by default. */
    public static final List<Double> DEFAULT_THRESHOLDS = List.of(0.3, 0.5, 0.7);
    /** The file that records the stages done. */
    public static final String STATE = "curriculum.json";

    /** Which curriculum. */
    public enum Kind {
        /** single-source adapting */
        SSA,
        /** multi-source adapting */
        MSA
    }

    /**
     * One stage done.
     *
     * @param name its folder's name
     * @param threshold the reliability its new labels reached, or null for a measurer
     * @param labels training labels it was trained on
     * @param searchPr50 Pr@0.5 (pixels) of its best checkpoint on the search split
     */
    public record Stage(String name, Double threshold, int labels, double searchPr50) {
    }

    /**
     * The curriculum's outcome.
     *
     * @param stages every stage in order
     * @param chosen the result: its {@code best_checkpoint} is the model
     * @param searchSplit what the stages were scored on
     */
    public record Result(List<Stage> stages, Stage chosen, String searchSplit) {
    }

    private final Kind kind;
    private final TrainConfig base;
    private final List<Double> thresholds;
    private final List<Sample> search;
    private final String searchName;
    private final TrainingRun.Listener listener;
    private final Consumer<String> log;
    private volatile CurriculumStages stages;
    private volatile boolean stopRequested;
    private boolean replaceEarlierRun;

    /**
     * @param kind SSA or MSA
     * @param base the training settings of every stage ({@code run.out} is the curriculum's folder)
     * @param thresholds reliabilities tried, each in (0, 1]
     * @param search the labels a stage is scored on (human expressions), or null for the training data set's own
     *     val split (held-out labels of the same kind as the training ones)
     * @param searchName what to call the search split in reports
     * @param listener told of each stage's training
     * @param log told what the curriculum does
     */
    public Curriculum(Kind kind, TrainConfig base, List<Double> thresholds, List<Sample> search, String searchName,
            TrainingRun.Listener listener, Consumer<String> log) {
        if (thresholds.isEmpty() || thresholds.stream().anyMatch(h -> !(h > 0 && h <= 1))) {
            throw new ConfigException("curriculum thresholds must be in (0, 1], got " + thresholds);
        }
        this.kind = kind;
        this.base = base;
        this.thresholds = thresholds.stream().sorted().toList();
        this.search = search;
        this.searchName = searchName;
        this.listener = listener;
        this.log = log;
    }

    /**
     * @param replace true to start a curriculum in a folder that holds files but no curriculum state; false (the
     *     default) refuses such a folder
     * @return this curriculum
     */
    public Curriculum replacingEarlierRun(boolean replace) {
        this.replaceEarlierRun = replace;
        return this;
    }

    /** Ends the stage running now after its current step (it saves a checkpoint) and starts no other. */
    public void requestStop() {
        stopRequested = true;
        CurriculumStages s = stages;
        if (s != null) {
            s.requestStop();
        }
    }

    /**
     * Runs the stages not done yet.
     *
     * @return the stages and the chosen one, or null when a stop request ended it early
     */
    public Result run() throws IOException, DatasetException {
        stages = new CurriculumStages(base, search, searchName, listener, log, replaceEarlierRun);
        if (stopRequested) {
            return null;
        }
        Stage chosen = kind == Kind.SSA ? singleSource() : multiSource();
        if (chosen == null) {
            return null;
        }
        stages.writeState(kind.name().toLowerCase(Locale.ROOT), chosen, thresholds);
        Result result = new Result(stages.done(), chosen, searchName);
        CurriculumPlot.write(result, stages.out().resolve("curriculum.png"));
        return result;
    }

    private Stage singleSource() throws IOException, DatasetException {
        double minutes = base.run().timeBudgetMinutes() / (1 + thresholds.size());
        Stage measurer = stages.stage("measurer", null, null, 0, minutes);
        if (measurer == null) {
            return null;
        }
        Map<Integer, Double> reliability = stages.score("measurer", stages.train(), null);
        Path file = stages.out().resolve("measurer").resolve("reliability.jsonl");
        Stage best = null;
        for (double h : thresholds) {
            if (reliability.values().stream().noneMatch(r -> r >= h)) {
                log.accept(String.format(Locale.ROOT, "curriculum: no label reaches %s: the search stops", h));
                break;
            }
            Stage s = stages.stage("h" + plain(h), h, file, h, minutes);
            if (s == null) {
                return null;
            }
            if (best != null && s.searchPr50() < best.searchPr50()) {
                log.accept(String.format(Locale.ROOT, "curriculum: threshold %s scores %.2f%% < %.2f%%: the search "
                        + "stops", h, 100 * s.searchPr50(), 100 * best.searchPr50()));
                break;
            }
            best = s;
        }
        return best == null || measurer.searchPr50() > best.searchPr50() ? measurer : best;
    }

    private Stage multiSource() throws IOException, DatasetException {
        Map<String, List<Sample>> bySource = bySource();
        int planned = 0;
        for (int i = 0; i < bySource.size(); i++) {
            planned += 1 + (i == 0 ? 1 : 2) * thresholds.size();
        }
        double minutes = base.run().timeBudgetMinutes() / planned;
        Set<Integer> selected = new HashSet<>();
        Stage previous = null;
        Stage firstMeasurer = null;
        int number = 0;
        for (Map.Entry<String, List<Sample>> e : bySource.entrySet()) {
            String prefix = "msa" + ++number + "-" + e.getKey();
            List<Sample> labels = e.getValue();
            Stage own = stages.stage(prefix + "-measurer", null, stages.selectionOf(prefix + "-measurer",
                    labels.stream().map(Sample::index).toList()), 1, minutes);
            if (own == null) {
                return null;
            }
            firstMeasurer = firstMeasurer == null ? own : firstMeasurer;
            List<Stage> measurers = previous == null ? List.of(own) : List.of(own, previous);
            Candidate best = null;
            for (Stage m : measurers) {
                Candidate c = search(prefix + (m == own ? "-own" : "-prev"), m, labels, selected, minutes);
                if (c == Candidate.STOPPED) {
                    return null;
                }
                if (c != null && (best == null || c.stage().searchPr50() >= best.stage().searchPr50())) {
                    best = c;
                }
            }
            if (best == null) {
                log.accept("curriculum: no label of source " + e.getKey() + " reaches a threshold: none joins");
                continue;
            }
            selected = best.selected();
            previous = best.stage();
        }
        return previous != null ? previous : firstMeasurer;
    }

    /** A source's best candidate: its stage and the labels selected with it. */
    private record Candidate(Stage stage, Set<Integer> selected) {
        static final Candidate STOPPED = new Candidate(null, Set.of());
    }

    /** @return the best stage of a greedy threshold search over one source's labels scored by one measurer */
    private Candidate search(String prefix, Stage measurer, List<Sample> labels, Set<Integer> selected,
            double minutes) throws IOException, DatasetException {
        Map<Integer, Double> reliability = stages.score(measurer.name(), labels, "reliability-" + prefix);
        Candidate best = null;
        for (double h : thresholds) {
            Set<Integer> with = new HashSet<>(selected);
            labels.stream().filter(s -> reliability.get(s.index()) >= h).forEach(s -> with.add(s.index()));
            if (with.size() == selected.size()) {
                break; // no label of the source reaches h, nor any higher threshold
            }
            String name = prefix + "-h" + plain(h);
            Stage s = stages.stage(name, h, stages.selectionOf(name, with), 1, minutes);
            if (s == null) {
                return Candidate.STOPPED;
            }
            if (best != null && s.searchPr50() < best.stage().searchPr50()) {
                break;
            }
            best = new Candidate(s, with);
        }
        return best;
    }

    /** @return the training labels by source, sources in order of first appearance ("unlabelled" without one) */
    private Map<String, List<Sample>> bySource() throws IOException {
        Map<Integer, String> sources = PseudoSources.read(Path.of(base.run().dataRoot()));
        if (sources.isEmpty()) {
            throw new ConfigException("--curriculum msa needs the labels' sources: " + base.run().dataRoot()
                    + " has no " + PseudoSources.FILE + " (write the data with rsground pseudo)");
        }
        Map<String, List<Sample>> bySource = new LinkedHashMap<>();
        for (Sample s : stages.train()) {
            bySource.computeIfAbsent(sources.getOrDefault(s.index(), "unlabelled"), k -> new ArrayList<>()).add(s);
        }
        return bySource;
    }

    private static String plain(double h) {
        return BigDecimal.valueOf(h).stripTrailingZeros().toPlainString();
    }

    /** @return thresholds from their spelling, e.g. {@code 0.3,0.5,0.7} */
    public static List<Double> parseThresholds(String text) {
        try {
            return Arrays.stream(text.split(",")).map(String::strip).map(Double::parseDouble).toList();
        } catch (NumberFormatException e) {
            throw new ConfigException("curriculum thresholds must be numbers separated by commas, got '" + text + "'");
        }
    }
}
