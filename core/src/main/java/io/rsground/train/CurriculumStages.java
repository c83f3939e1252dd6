package io.rsground.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.config.TrainConfig;
import io.rsground.config.TrainConfigBuilder;
import io.rsground.data.DatasetException;
import io.rsground.data.GroundingDataset;
import io.rsground.data.Sample;
import io.rsground.data.pseudo.PseudoSources;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.eval.ReliabilityReport;
import io.rsground.infer.FeatureCache;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelLoader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The mechanics a curriculum's stages share: training one stage on the labels a selection file keeps (resuming
 * it, or skipping it when {@code curriculum.json} records it done), scoring labels with a stage's model, scoring a
 * stage on the search split, and the state file.
 */
final class CurriculumStages {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final TrainConfig base;
    private final Path out;
    private final List<Sample> search;
    private final String searchName;
    private final TrainingRun.Listener listener;
    private final Consumer<String> log;
    private final Map<String, Curriculum.Stage> done;
    private final List<Sample> train;
    private final double minutesBefore;
    private final long startedNanos = System.nanoTime();
    /** The first stage's frozen image tower is every later stage's: its features are computed once. */
    private final FrozenTowerFeatures features = new FrozenTowerFeatures(TrainingRun.featureCacheBytes());
    private volatile TrainingRun current;
    private volatile boolean stopRequested;

    CurriculumStages(TrainConfig base, List<Sample> search, String searchName, TrainingRun.Listener listener,
            Consumer<String> log, boolean replaceEarlierRun) throws IOException, DatasetException {
        this.base = base;
        this.out = Path.of(base.run().out());
        this.search = search;
        this.searchName = searchName;
        this.listener = listener;
        this.log = log;
        if (!replaceEarlierRun && !Files.exists(out.resolve(Curriculum.STATE))) {
            RunCheckpoints.requireNewRunFolder(out);
        }
        Files.createDirectories(out);
        this.done = new LinkedHashMap<>();
        this.minutesBefore = readState(out.resolve(Curriculum.STATE), done);
        this.train = GroundingDataset.open(Path.of(base.run().dataRoot()), base.run().splitsDir() == null ? null
                : Path.of(base.run().splitsDir())).split("train");
    }

    Path out() {
        return out;
    }

    /** @return wall minutes the curriculum has run, earlier runs of it included (up to their last stage's end) */
    double usedMinutes() {
        return minutesBefore + (System.nanoTime() - startedNanos) / 60e9;
    }

    /** @return the training split, before any selection */
    List<Sample> train() {
        return train;
    }

    void requestStop() {
        stopRequested = true;
        TrainingRun run = current;
        if (run != null) {
            run.requestStop();
        }
    }

    /**
     * Trains one stage unless done before.
     *
     * @param name the stage's folder
     * @param threshold the reliability shown for it, or null
     * @param selection a file of {@code {"index", "reliability"}} lines, or null for every training label
     * @param minReliability what a label needs in that file
     * @param minutes the stage's time budget, 0 for none
     * @param startFrom an earlier stage whose best checkpoint's weights start this one (its recipe stages, such as
     *     vision pre-training, are then in those weights and not run again), or null for the base settings' start
     * @return the stage; null when a stop request ended its training
     */
    Curriculum.Stage stage(String name, Double threshold, Path selection, double minReliability, double minutes,
            Curriculum.Stage startFrom) throws IOException, DatasetException {
        return stage(name, threshold, selection, minReliability, minutes, startFrom, 0);
    }

    /**
     * Trains a measurer unless done before: a stage whose first epoch its time share cannot end early, so that it
     * has trained on every label it then scores (a label it never saw would score as an unseen one, the others as
     * trained ones); the epoch it overruns its share by is taken from the stages after it.
     *
     * @param name the stage's folder
     * @param selection a file whose labels of reliability 1 the measurer trains on, or null for every training label
     * @param minutes the stage's time budget, 0 for none
     * @param startFrom the stage whose best weights start it, or null for the base settings' start
     * @return the stage; null when a stop request ended its training
     */
    Curriculum.Stage measurer(String name, Path selection, double minutes, Curriculum.Stage startFrom)
            throws IOException, DatasetException {
        return stage(name, null, selection, 1, minutes, startFrom, 1);
    }

    private Curriculum.Stage stage(String name, Double threshold, Path selection, double minReliability,
            double minutes, Curriculum.Stage startFrom, int wholeEpochs) throws IOException, DatasetException {
        if (done.containsKey(name)) {
            log.accept("curriculum: stage " + name + " is done (" + Curriculum.STATE + ")");
            return done.get(name);
        }
        if (stopRequested) {
            return null;
        }
        Path dir = out.resolve(name);
        TrainConfigBuilder b = startFrom == null ? base.toBuilder() : continuing(startFrom);
        b.out(dir.toString()).timeBudgetMinutes(minutes).budgetWholeEpochs(wholeEpochs);
        int labels = train.size();
        if (selection != null) {
            b.selection(selection.toString()).minReliability(minReliability);
            labels = LabelSelection.keep(train, LabelSelection.read(selection), minReliability).size();
        }
        if (Files.isDirectory(dir.resolve(TrainingRun.LAST))) {
            b.resume(dir.resolve(TrainingRun.LAST).toString());
        }
        log.accept(String.format(Locale.ROOT, "curriculum: stage %s (%,d labels%s, from %s%s)", name, labels,
                threshold == null ? "" : ", reliability >= " + threshold, startFrom == null ? "the run's start"
                : startFrom.name(), minutes > 0 ? String.format(Locale.ROOT, ", %.1f min", minutes) : ""));
        // the curriculum owns its stage folders: one without a checkpoint holds only a killed stage's first files
        current = new TrainingRun(b.build(), listener).replacingEarlierRun(true).sharingImageFeatures(features);
        TrainingRun.Outcome outcome = current.run();
        current = null;
        if (outcome.stopped()) {
            return null;
        }
        double score = search == null ? outcome.bestPr50() : evaluate(dir.resolve(TrainingRun.BEST), search,
                searchName).pixel().precisionAt(0.5);
        Curriculum.Stage stage = new Curriculum.Stage(name, threshold, labels, score);
        done.put(name, stage);
        writeState(null, null, null);
        log.accept(String.format(Locale.ROOT, "curriculum: stage %s: %,d labels, %s Pr@0.5 %.2f%%", name, labels,
                searchName, 100 * score));
        return stage;
    }

    /**
     * @return the base settings started from an earlier stage's best weights: the architecture and tokenizer are
     *     the checkpoint's (so the from-scratch reshaping settings go), the recipe's stages are already in those
     *     weights, and an {@code auto} choice of trainable parameters stays what it was for the first stage
     */
    private TrainConfigBuilder continuing(Curriculum.Stage from) {
        Path checkpoint = out.resolve(from.name()).resolve(TrainingRun.BEST);
        if (!Files.isDirectory(checkpoint)) {
            throw new IllegalStateException("stage " + from.name() + " is recorded done but " + checkpoint
                    + " is missing");
        }
        TrainConfig.ModelSource source = base.model();
        boolean pretrained = source.weights() != null || source.retrain() != null;
        TrainConfigBuilder b = base.toBuilder().retrain(checkpoint.toString()).weights(null).convStem(List.of())
                .textLayers(null).trainable(TrainablePolicy.of(base.optim().trainable(), pretrained).name()
                        .toLowerCase(Locale.ROOT));
        base.recipe().stages().keySet().forEach(b::withoutStage);
        return b;
    }

    /**
     * Scores labels with a stage's best checkpoint, once: the file is kept and read back when the stage is resumed.
     *
     * @param stage the measurer's stage folder
     * @param labels the labels to score
     * @param name the folder, under the stage's, of the reliability files, or null for the stage's own folder
     * @return each label's reliability by global index
     */
    Map<Integer, Double> score(String stage, List<Sample> labels, String name) throws IOException {
        Path dir = name == null ? out.resolve(stage) : out.resolve(stage).resolve(name);
        Path file = dir.resolve("reliability.jsonl");
        if (!Files.isRegularFile(file)) {
            log.accept("curriculum: scoring " + labels.size() + " labels with " + stage);
            Map<Integer, String> sources = PseudoSources.read(Path.of(base.run().dataRoot()));
            new ReliabilityReport(evaluate(out.resolve(stage).resolve(TrainingRun.BEST), labels, "train")
                    .predictions(), sources::get).write(dir);
        }
        return LabelSelection.read(file);
    }

    /**
     * Writes a selection file that keeps exactly the given labels (reliability 1, every other training label 0),
     * for a stage trained with a minimum reliability of 1.
     */
    Path selectionOf(String name, Collection<Integer> kept) throws IOException {
        Set<Integer> keep = Set.copyOf(kept);
        Path file = selectionFile(name);
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try (BufferedWriter w = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            for (Sample s : train) {
                w.write("{\"index\": " + s.index() + ", \"reliability\": " + (keep.contains(s.index()) ? 1 : 0)
                        + "}\n");
            }
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /** @return where {@link #selectionOf} writes the selection of the stage of this name */
    Path selectionFile(String name) {
        return out.resolve(name + ".selection.jsonl");
    }

    private EvalReport evaluate(Path checkpoint, List<Sample> samples, String split) throws IOException {
        try (LoadedModel loaded = ModelLoader.load(ModelLoader.Request.of(checkpoint))) {
            return Evaluator.evaluateSharingFeatures(loaded.model(), loaded.manager(), loaded.tokenizer(), samples,
                    split, base.run().evalBatchSize(), base.run().numWorkers(), features.keptFor(checkpoint,
                    loaded.model()));
        }
    }

    /** Reads the stages done into {@code stages}; @return the wall minutes the curriculum had run */
    private static double readState(Path file, Map<String, Curriculum.Stage> stages) throws IOException {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        JsonNode root = JSON.readTree(file.toFile());
        for (JsonNode s : root.path("stages")) {
            Curriculum.Stage stage = new Curriculum.Stage(s.get("name").asText(), s.get("threshold").isNull() ? null
                    : s.get("threshold").asDouble(), s.get("labels").asInt(), s.get("search_pr50").asDouble());
            stages.put(stage.name(), stage);
        }
        return root.path("elapsed_minutes").asDouble(0);
    }

    /**
     * Writes {@code curriculum.json}: every stage done, and the result once chosen.
     *
     * @param kind {@code ssa} or {@code msa}, or null while stages run
     * @param chosen the result, or null while stages run
     * @param thresholds the thresholds tried, as spelled, or null while stages run
     */
    void writeState(String kind, Curriculum.Stage chosen, String thresholds) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("kind", kind);
        root.put("search_split", searchName);
        root.put("elapsed_minutes", usedMinutes());
        root.put("thresholds", thresholds);
        ArrayNode array = root.putArray("stages");
        for (Curriculum.Stage s : done.values()) {
            ObjectNode n = array.addObject();
            n.put("name", s.name());
            n.put("threshold", s.threshold());
            n.put("labels", s.labels());
            n.put("search_pr50", s.searchPr50());
        }
        root.put("chosen", chosen == null ? null : chosen.name());
        root.put("result", chosen == null ? null : chosen.name() + "/" + TrainingRun.BEST);
        JSON.writeValue(out.resolve(Curriculum.STATE).toFile(), root);
    }

    /** @return true when {@code curriculum.json} records the stage done */
    boolean isDone(String name) {
        return done.containsKey(name);
    }

    /** @return the stages done, in the order they were done */
    List<Curriculum.Stage> done() {
        return new ArrayList<>(done.values());
    }
}
