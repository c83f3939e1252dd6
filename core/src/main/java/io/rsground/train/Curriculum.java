package io.rsground.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.config.ConfigException;
import io.rsground.config.TrainConfig;
import io.rsground.data.DatasetException;
import io.rsground.data.GroundingDataset;
import io.rsground.data.Sample;
import io.rsground.data.pseudo.PseudoSources;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.eval.ReliabilityReport;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * CLIP-VG's single-source self-paced curriculum (SSA) as a sequence of training runs in one folder: a measurer
 * trained on every training label; each label's reliability (the IoU of the measurer's box with the label's); then,
 * for the thresholds in increasing order, a model trained only on the labels reaching the threshold, scored on the
 * search split; the search stops at the first threshold that scores lower than the best so far (greedy). The best
 * stage's checkpoint is the result (a tie goes to the later, more selective stage).
 *
 * <p>Each stage is a folder of its own ({@code measurer/}, {@code h0.50/} ...) with the usual outputs;
 * {@code curriculum.json} records the stages done, so a killed curriculum resumes at the stage it was in (and
 * that stage's run from its last checkpoint). A time budget ({@code run.time_budget_minutes}) is shared equally
 * by the measurer and the thresholds.
 */
public final class Curriculum {
    /** Thresholds tried by default. */
    public static final List<Double> DEFAULT_THRESHOLDS = List.of(0.3, 0.5, 0.7);
    /** The file that records the stages done. */
    public static final String STATE = "curriculum.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One stage done.
     *
     * @param name its folder's name
     * @param threshold the reliability its labels reached, or null for the measurer (every label)
     * @param labels training labels it was trained on
     * @param searchPr50 Pr@0.5 (pixels) of its best checkpoint on the search split
     */
    public record Stage(String name, Double threshold, int labels, double searchPr50) {
    }

    /**
     * The curriculum's outcome.
     *
     * @param stages every stage in order
     * @param chosen the stage with the best search score: its {@code best_checkpoint} is the result
     * @param searchSplit what the stages were scored on
     */
    public record Result(List<Stage> stages, Stage chosen, String searchSplit) {
    }

    private final TrainConfig base;
    private final List<Double> thresholds;
    private final List<Sample> search;
    private final String searchName;
    private final TrainingRun.Listener listener;
    private final Consumer<String> log;
    private volatile TrainingRun current;
    private volatile boolean stopRequested;

    /**
     * @param base the training settings of every stage ({@code run.out} is the curriculum's folder)
     * @param thresholds reliabilities tried, each in (0, 1]
     * @param search the labels a stage is scored on (human expressions), or null for the training data set's own
     *     val split (held-out labels of the same kind as the training ones)
     * @param searchName what to call the search split in reports
     * @param listener told of each stage's training
     * @param log told what the curriculum does
     */
    public Curriculum(TrainConfig base, List<Double> thresholds, List<Sample> search, String searchName,
            TrainingRun.Listener listener, Consumer<String> log) {
        if (thresholds.isEmpty() || thresholds.stream().anyMatch(h -> !(h > 0 && h <= 1))) {
            throw new ConfigException("curriculum thresholds must be in (0, 1], got " + thresholds);
        }
        this.base = base;
        this.thresholds = thresholds.stream().sorted().toList();
        this.search = search;
        this.searchName = searchName;
        this.listener = listener;
        this.log = log;
    }

    /** Ends the stage running now after its current step (it saves a checkpoint) and starts no other. */
    public void requestStop() {
        stopRequested = true;
        TrainingRun run = current;
        if (run != null) {
            run.requestStop();
        }
    }

    /**
     * Runs the stages not done yet.
     *
     * @return the stages and the chosen one, or null when a stop request ended it early
     */
    public Result run() throws IOException, DatasetException {
        Path out = Path.of(base.run().out());
        Files.createDirectories(out);
        Map<String, Stage> done = readState(out.resolve(STATE));
        double minutes = base.run().timeBudgetMinutes() / (1 + thresholds.size());
        Stage measurer = stage(out, "measurer", null, null, minutes, done);
        if (measurer == null) {
            return null;
        }
        Path reliability = out.resolve("measurer").resolve("reliability.jsonl");
        if (!Files.isRegularFile(reliability)) {
            score(out.resolve("measurer"), reliability.getParent());
        }
        List<Stage> stages = new ArrayList<>(List.of(measurer));
        Stage best = null;
        Map<Integer, Double> scores = LabelSelection.read(reliability);
        for (double h : thresholds) {
            if (scores.values().stream().noneMatch(r -> r >= h)) {
                log.accept(String.format(Locale.ROOT, "curriculum: no label reaches %.2f: the search stops", h));
                break;
            }
            Stage s = stage(out, "h" + java.math.BigDecimal.valueOf(h).stripTrailingZeros().toPlainString(), h,
                    reliability, minutes, done);
            if (s == null) {
                return null;
            }
            stages.add(s);
            if (best != null && s.searchPr50() < best.searchPr50()) {
                log.accept(String.format(Locale.ROOT, "curriculum: threshold %.2f scores %.2f%% < %.2f%%: the search "
                        + "stops", h, 100 * s.searchPr50(), 100 * best.searchPr50()));
                break;
            }
            if (best == null || s.searchPr50() >= best.searchPr50()) {
                best = s;
            }
        }
        Stage chosen = best == null || measurer.searchPr50() > best.searchPr50() ? measurer : best;
        Result result = new Result(stages, chosen, searchName);
        writeState(out.resolve(STATE), stages, chosen);
        CurriculumPlot.write(result, out.resolve("curriculum.png"));
        return result;
    }

    /** @return the stage, trained now unless done before; null when a stop request ended its training */
    private Stage stage(Path out, String name, Double threshold, Path reliability, double minutes,
            Map<String, Stage> done) throws IOException, DatasetException {
        if (done.containsKey(name)) {
            log.accept("curriculum: stage " + name + " is done (" + STATE + ")");
            return done.get(name);
        }
        if (stopRequested) {
            return null;
        }
        Path dir = out.resolve(name);
        TrainConfig.Builder b = base.toBuilder().out(dir.toString()).timeBudgetMinutes(minutes);
        if (threshold != null) {
            b.selection(reliability.toString()).minReliability(threshold);
        }
        if (Files.isDirectory(dir.resolve(TrainingRun.LAST))) {
            b.resume(dir.resolve(TrainingRun.LAST).toString());
        }
        log.accept("curriculum: stage " + name + (threshold == null ? " (the measurer, every label)"
                : " (labels with reliability >= " + threshold + ")"));
        current = new TrainingRun(b.build(), listener);
        TrainingRun.Outcome outcome = current.run();
        current = null;
        if (outcome.stopped()) {
            return null;
        }
        int labels = trainingLabels(b.build());
        double score = search == null ? outcome.bestPr50() : searchScore(dir.resolve(TrainingRun.BEST));
        Stage stage = new Stage(name, threshold, labels, score);
        done.put(name, stage);
        writeState(out.resolve(STATE), new ArrayList<>(done.values()), null);
        log.accept(String.format(Locale.ROOT, "curriculum: stage %s: %,d labels, %s Pr@0.5 %.2f%%", name, labels,
                searchName, 100 * score));
        return stage;
    }

    private static int trainingLabels(TrainConfig config) throws IOException, DatasetException {
        List<Sample> train = GroundingDataset.open(Path.of(config.run().dataRoot()), config.run().splitsDir() == null
                ? null : Path.of(config.run().splitsDir())).split("train");
        return config.run().selection() == null ? train.size() : LabelSelection.keep(train,
                LabelSelection.read(Path.of(config.run().selection())), config.run().minReliability()).size();
    }

    /** Scores every training label with the measurer's best checkpoint: {@code reliability.jsonl} and friends. */
    private void score(Path measurer, Path into) throws IOException, DatasetException {
        List<Sample> train = GroundingDataset.open(Path.of(base.run().dataRoot()), base.run().splitsDir() == null
                ? null : Path.of(base.run().splitsDir())).split("train");
        log.accept("curriculum: scoring " + train.size() + " training labels with the measurer");
        Map<Integer, String> sources = PseudoSources.read(Path.of(base.run().dataRoot()));
        new ReliabilityReport(evaluate(measurer.resolve(TrainingRun.BEST), train, "train").predictions(),
                sources::get).write(into);
    }

    private double searchScore(Path checkpoint) throws IOException {
        return evaluate(checkpoint, search, searchName).pixel().precisionAt(0.5);
    }

    private EvalReport evaluate(Path checkpoint, List<Sample> samples, String split) throws IOException {
        try (LoadedModel loaded = ModelLoader.load(ModelLoader.Request.of(checkpoint))) {
            return Evaluator.evaluate(loaded.model(), loaded.manager(), loaded.tokenizer(), samples, split,
                    base.run().evalBatchSize(), base.run().numWorkers(), null);
        }
    }

    private static Map<String, Stage> readState(Path file) throws IOException {
        Map<String, Stage> done = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return done;
        }
        for (JsonNode s : JSON.readTree(file.toFile()).path("stages")) {
            Stage stage = new Stage(s.get("name").asText(), s.get("threshold").isNull() ? null
                    : s.get("threshold").asDouble(), s.get("labels").asInt(), s.get("search_pr50").asDouble());
            done.put(stage.name(), stage);
        }
        return done;
    }

    private void writeState(Path file, List<Stage> stages, Stage chosen) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("kind", "ssa");
        root.put("search_split", searchName);
        root.set("thresholds", JSON.valueToTree(thresholds));
        ArrayNode array = root.putArray("stages");
        for (Stage s : stages) {
            ObjectNode n = array.addObject();
            n.put("name", s.name());
            n.put("threshold", s.threshold());
            n.put("labels", s.labels());
            n.put("search_pr50", s.searchPr50());
        }
        root.put("chosen", chosen == null ? null : chosen.name());
        root.put("result", chosen == null ? null : chosen.name() + "/" + TrainingRun.BEST);
        JSON.writeValue(file.toFile(), root);
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
