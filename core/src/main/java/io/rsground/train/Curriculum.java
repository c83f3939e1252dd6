package io.rsground.train;

import io.rsground.config.ConfigException;
import io.rsground.config.TrainConfig;
import io.rsground.data.DatasetException;
import io.rsground.data.Sample;
import io.rsground.data.pseudo.PseudoSources;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * it was in (and that stage's run from its last checkpoint).
 *
 * <p><b>Where stages start.</b> The first stage starts as the settings say (pretrained weights, or from scratch with
 * the recipe's stages such as vision pre-training); every later stage starts from the best weights of the stage
 * named below, so the recipe's stages run once and no stage learns to ground from nothing again. A frozen image
 * tower is then every stage's: its features are computed once in the curriculum and shared by every stage's
 * training, scoring and evaluation ({@link FrozenTowerFeatures}).
 *
 * <p><b>Time.</b> A time budget ({@code run.time_budget_minutes}) is the whole curriculum's. Each stage gets what
 * is left of it, shared equally by the stages still planned (the first also gets its recipe stages' minutes); a
 * greedy search that stops early leaves its share to the stages after it. A stage whose share runs out within an
 * epoch ends there, except a measurer, which trains at least one whole epoch (it scores the labels it trained on)
 * and can overrun its share, at the cost of the stages after it; once the budget is used up no further stage
 * starts, and the best stage done is the result.
 *
 * <p><b>Final stage.</b> With a time budget, a share of it can be kept for a stage that continues the search's
 * choice on the same labels (or on every label), so that the chosen model gets most of the budget rather than the
 * share of one candidate; it is the result unless it scores lower on the search split than the choice.
 *
 * <p><b>Single source (SSA).</b> A measurer trained on every training label; each label's reliability (the IoU of
 * the measurer's box with the label's); then, for the {@link CurriculumThresholds candidates} in increasing order,
 * the measurer trained on only the labels reaching the threshold, scored on the search split. A threshold of 0 keeps
 * every label: the control, trained as long as the others from the same weights. The search stops at the first
 * candidate that scores lower than the best so far (greedy); the best stage is the choice (a tie goes to the
 * later, more selective one).
 *
 * <p><b>Multi-source (MSA).</b> The labels' sources ({@code pseudo.jsonl} of {@code rsground pseudo}: template,
 * relation) are taken in turn, in order of first appearance. For each, a measurer is trained on its labels alone
 * (from the previous source's choice); its labels are scored by that measurer and, from the second source on, also
 * by the model the previous source chose; for each measurer the thresholds are searched greedily, each candidate
 * trained (from the previous source's choice, or for the first source from its measurer) on the labels selected so
 * far plus this source's labels reaching the threshold. The candidate scoring best joins its labels to the
 * selection; the last source's choice is the result.
 */
public final class Curriculum {
    /** The file that records the stages done. */
    public static final String STATE = "curriculum.json";
    /** The name of the stage that continues the search's choice. */
    public static final String FINAL = "final";

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
    private final CurriculumThresholds thresholds;
    private final List<Sample> search;
    private final String searchName;
    private final TrainingRun.Listener listener;
    private final Consumer<String> log;
    private volatile CurriculumStages stages;
    private volatile boolean stopRequested;
    private boolean replaceEarlierRun;
    private double finalShare;
    private boolean finalOnEveryLabel;

    /**
     * @param kind SSA or MSA
     * @param base the training settings of every stage ({@code run.out} is the curriculum's folder)
     * @param thresholds the candidates of each greedy search
     * @param search the labels a stage is scored on (human expressions), or null for the training data set's own
     *     val split (held-out labels of the same kind as the training ones)
     * @param searchName what to call the search split in reports
     * @param listener told of each stage's training
     * @param log told what the curriculum does
     */
    public Curriculum(Kind kind, TrainConfig base, CurriculumThresholds thresholds, List<Sample> search,
            String searchName, TrainingRun.Listener listener, Consumer<String> log) {
        this.kind = kind;
        this.base = base;
        this.thresholds = thresholds;
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

    /**
     * @param share the part of the time budget (after the recipe's stages) kept for the {@value #FINAL} stage,
     *     which continues the search's choice on its labels, in [0, 1); 0 (the default) ends with the search's
     *     choice, as CLIP-VG does when every stage trains its full schedule; without a time budget it is ignored
     * @return this curriculum
     */
    public Curriculum withFinalShare(double share) {
        if (!(share >= 0 && share < 1)) {
            throw new ConfigException("the curriculum's final share must be in [0, 1), got " + share);
        }
        this.finalShare = share;
        return this;
    }

    /**
     * @param everyLabel true for a {@value #FINAL} stage on every training label (the choice's labels then only
     *     come first: easy labels before all of them, as in self-paced learning); false (the default) for the
     *     choice's labels
     * @return this curriculum
     */
    public Curriculum finalOnEveryLabel(boolean everyLabel) {
        this.finalOnEveryLabel = everyLabel;
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
        stages.writeState(kind.name().toLowerCase(Locale.ROOT), chosen, thresholds.toString());
        Result result = new Result(stages.done(), chosen, searchName);
        CurriculumPlot.write(result, stages.out().resolve("curriculum.png"));
        return result;
    }

    private Stage singleSource() throws IOException, DatasetException {
        int planned = 1 + thresholds.values().size();
        Stage measurer = stages.measurer("measurer", null, minutesFor(planned), null);
        if (measurer == null) {
            return null;
        }
        Map<Integer, Double> reliability = stages.score("measurer", stages.train(), null);
        Path file = stages.out().resolve("measurer").resolve("reliability.jsonl");
        List<CurriculumThresholds.Candidate> candidates = thresholds.candidates(reliability.values());
        Stage best = null;
        for (int i = 0; i < candidates.size(); i++) {
            CurriculumThresholds.Candidate c = candidates.get(i);
            if (reliability.values().stream().noneMatch(r -> r >= c.threshold())) {
                log.accept(String.format(Locale.ROOT, "curriculum: no label reaches %s: the search stops",
                        c.threshold()));
                break;
            }
            if (budgetSpent(c.name())) {
                break;
            }
            Stage s = stages.stage(c.name(), c.threshold(), file, c.threshold(), minutesFor(candidates.size() - i),
                    measurer);
            if (s == null) {
                return null;
            }
            if (best != null && s.searchPr50() < best.searchPr50()) {
                log.accept(String.format(Locale.ROOT, "curriculum: %s scores %.2f%% < %.2f%%: the search stops",
                        c.name(), 100 * s.searchPr50(), 100 * best.searchPr50()));
                break;
            }
            best = s;
        }
        Stage chosen = best == null || measurer.searchPr50() > best.searchPr50() ? measurer : best;
        return finalStage(chosen, chosen == measurer ? null : file, chosen == measurer ? 0 : chosen.threshold());
    }

    /**
     * @param chosen the search's choice
     * @param selection the selection file of its labels, or null for every label
     * @param minReliability what a label needs in that file
     * @return the {@value #FINAL} stage (the choice continued on its labels for what is left of the budget) when a
     *     share of the budget is kept for it and it scores at least as well as the choice on the search split; the
     *     choice otherwise; null when a stop request ended it
     */
    private Stage finalStage(Stage chosen, Path selection, double minReliability) throws IOException,
            DatasetException {
        double total = base.run().timeBudgetMinutes();
        if (finalShare <= 0 || total <= 0 || budgetSpent(FINAL)) {
            return chosen;
        }
        double minutes = Math.max(total - stages.usedMinutes(), 0.01);
        Stage continued = finalOnEveryLabel ? stages.stage(FINAL, null, null, 0, minutes, chosen)
                : stages.stage(FINAL, chosen.threshold(), selection, minReliability, minutes, chosen);
        if (continued == null) {
            return null;
        }
        return continued.searchPr50() >= chosen.searchPr50() ? continued : chosen;
    }

    /**
     * @param next the stage that would start next
     * @return true (and says so) when the time budget is used up and that stage is not done already: it does
     *     not start
     */
    private boolean budgetSpent(String next) {
        double total = base.run().timeBudgetMinutes();
        if (total <= 0 || stages.usedMinutes() < total || stages.isDone(next)) {
            return false;
        }
        log.accept(String.format(Locale.ROOT, "curriculum: the time budget of %.1f min is spent: the search stops "
                + "with the stages done", total));
        return true;
    }

    /**
     * @param stagesLeft the stages still planned, this one included
     * @return this stage's time budget: what is left of the curriculum's, less the final stage's share, shared
     *     equally by the stages still planned (a search that stops early leaves its share to the stages after it);
     *     the first stage also gets the minutes its recipe stages are given, since only it runs them; 0 without a
     *     budget
     */
    private double minutesFor(int stagesLeft) {
        double total = base.run().timeBudgetMinutes();
        if (total <= 0) {
            return 0;
        }
        double searchTotal = total - finalShare * Math.max(total - recipeMinutes(), 0);
        double recipe = stages.done().isEmpty() ? recipeMinutes() : 0;
        double share = Math.max(searchTotal - stages.usedMinutes() - recipe, 0) / stagesLeft;
        // a positive floor: 0 would mean no budget at all; the run then trains its one epoch
        return Math.max(recipe + share, 0.01);
    }

    /** @return the minutes the recipe's stages are given ({@code minutes} settings; stages in steps count 0) */
    private double recipeMinutes() {
        return base.recipe().stages().values().stream().mapToDouble(settings -> settings.get("minutes")
                instanceof Number n ? n.doubleValue() : 0).sum();
    }

    /**
     * @return the stages MSA plans from the source of this position on: a measurer, and a search per measurer, the
     *     two searches of a later source sharing their control
     */
    private int msaPlanned(int fromSource, int sources) {
        int planned = 0;
        for (int i = fromSource; i < sources; i++) {
            planned += 1 + (i == 0 ? 1 : 2) * thresholds.values().size() - (i > 0 && thresholds.hasControl() ? 1
                    : 0);
        }
        return planned;
    }

    private Stage multiSource() throws IOException, DatasetException {
        Map<String, List<Sample>> bySource = bySource();
        Set<Integer> selected = new HashSet<>();
        Stage previous = null;
        Stage firstMeasurer = null;
        int number = 0;
        for (Map.Entry<String, List<Sample>> e : bySource.entrySet()) {
            String prefix = "msa" + ++number + "-" + e.getKey();
            if (budgetSpent(prefix + "-measurer")) {
                break;
            }
            List<Sample> labels = e.getValue();
            Stage own = stages.measurer(prefix + "-measurer", stages.selectionOf(prefix + "-measurer",
                    labels.stream().map(Sample::index).toList()), minutesFor(msaPlanned(number - 1,
                    bySource.size())), previous != null ? previous : firstMeasurer);
            if (own == null) {
                return null;
            }
            firstMeasurer = firstMeasurer == null ? own : firstMeasurer;
            List<Stage> measurers = previous == null ? List.of(own) : List.of(own, previous);
            Stage startFrom = previous != null ? previous : own;
            Candidate best = null;
            for (int m = 0; m < measurers.size(); m++) {
                int laterStages = m == 0 && measurers.size() > 1 ? thresholds.values().size()
                        - (thresholds.hasControl() ? 1 : 0) : 0;
                Candidate c = search(prefix, m == 0 ? "own" : "prev", measurers.get(m), labels, selected, startFrom,
                        laterStages + msaPlanned(number, bySource.size()));
                if (c == Candidate.STOPPED) {
                    return null;
                }
                if (c != null && (best == null || c.stage().searchPr50() >= best.stage().searchPr50())) {
                    best = c;
                }
            }
            if (best == null) {
                log.accept("curriculum: source " + e.getKey() + " has no candidate (no label reaches a threshold, or "
                        + "the budget is spent): none joins");
                continue;
            }
            selected = best.selected();
            previous = best.stage();
        }
        Stage chosen = previous != null ? previous : firstMeasurer;
        return chosen == null ? null : finalStage(chosen, stages.selectionFile(chosen.name()), 1);
    }

    /** A source's best candidate: its stage and the labels selected with it. */
    private record Candidate(Stage stage, Set<Integer> selected) {
        static final Candidate STOPPED = new Candidate(null, Set.of());
    }

    /**
     * @param source the source's stage prefix
     * @param by which measurer scored the labels ({@code own}, {@code prev})
     * @param startFrom the stage whose weights every candidate starts from
     * @param laterStages the stages planned after this search
     * @return the best stage of a greedy threshold search over one source's labels scored by one measurer; the
     *     candidate that keeps every label of the source is the same whichever measurer scored them, so it is one
     *     stage ({@code SOURCE-all}) that the second search finds done
     */
    private Candidate search(String source, String by, Stage measurer, List<Sample> labels, Set<Integer> selected,
            Stage startFrom, int laterStages) throws IOException, DatasetException {
        Map<Integer, Double> reliability = stages.score(measurer.name(), labels, "reliability-" + source + "-"
                + by);
        List<CurriculumThresholds.Candidate> candidates = thresholds.candidates(reliability.values());
        Candidate best = null;
        for (int i = 0; i < candidates.size(); i++) {
            double h = candidates.get(i).threshold();
            Set<Integer> with = new HashSet<>(selected);
            labels.stream().filter(s -> reliability.get(s.index()) >= h).forEach(s -> with.add(s.index()));
            if (with.size() == selected.size()) {
                break; // no label of the source reaches h, nor any higher threshold
            }
            String name = with.size() == selected.size() + labels.size() ? source + "-all"
                    : source + "-" + by + "-" + candidates.get(i).name();
            if (budgetSpent(name)) {
                break;
            }
            Stage s = stages.stage(name, h, stages.selectionOf(name, with), 1,
                    minutesFor(candidates.size() - i + laterStages), startFrom);
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

}
