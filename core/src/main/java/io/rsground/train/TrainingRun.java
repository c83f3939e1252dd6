package io.rsground.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.rsground.config.ConfigException;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.config.TrainConfig;
import io.rsground.data.BatchLoader;
import io.rsground.data.AbsentQueries;
import io.rsground.data.GroundingDataset;
import io.rsground.data.synth.SceneObjects;
import io.rsground.data.Sample;
import io.rsground.eval.Evaluator;
import io.rsground.image.AugmentConfig;
import io.rsground.infer.FeatureCache;
import io.rsground.infer.ImageFeatureFiles;
import io.rsground.infer.MappedImageFeatures;
import io.rsground.weights.RsgroundCheckpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole training run, composed: {@link RunSetup} (data, architecture, tokenizer, weights, trainable set), the
 * recipe's {@link Stage}s, the objective from the loss weights ({@link Objectives}), the {@link Trainer}, then the
 * grounding epochs ({@link TrainingLoop}) with checkpoints ({@link RunCheckpoints}) and an optional
 * {@link TimeBudget}. Writes {@code checkpoint/}, {@code best_checkpoint/}, {@code log.jsonl}, {@code loss.png},
 * {@code metrics.png}, {@code train-config.json} and {@code model.json} into the output folder.
 *
 * <p>A stop request (Ctrl-C) ends the current step, saves the position within the epoch into {@code checkpoint/}
 * and returns.
 */
public final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    /** The last epoch's checkpoint, the one to resume. */
    public static final String LAST = RunCheckpoints.LAST;
    /** The checkpoint of the best validation Pr@0.5. */
    public static final String BEST = RunCheckpoints.BEST;
    /**
     * System property: the most bytes of frozen image-tower features kept on the heap (default: a third of the heap,
     * at most 4 GB). Features read from {@code --image-features} files are mapped and never count against it.
     */
    public static final String FEATURE_CACHE_BYTES_PROPERTY = "rsground.train.featureCacheBytes";

    /** Told what happens, for progress displays (DJL's training listeners). Called on the training thread. */
    public interface Listener {
        /** A stage's steps went on. */
        default void stageProgress(String stage, int step, double fraction, Map<String, Double> terms) {
        }

        /** A stage ended (completed, or cut short by a stop request). */
        default void stageDone(Stage.Report report) {
        }

        /** The grounding epochs start. */
        default void started(RunInfo info) {
        }

        /** A step finished. */
        default void step(int epoch, int batch, int batches, Trainer.StepResult result) {
        }

        /** Validation of an epoch starts. */
        default void validating(int epoch, int samples) {
        }

        /** An epoch finished (validated, checkpointed). */
        default void epochDone(EpochLog log) {
        }

        /**
         * The time budget changed how many epochs the run will have.
         *
         * @param epochs the total now planned
         * @param secondsPerEpoch what the latest epoch took, which the plan is made from
         */
        default void planned(int epochs, double secondsPerEpoch) {
        }
    }

    /**
     * What was set up.
     *
     * @param model the architecture
     * @param trainSamples training samples
     * @param valSamples validation samples
     * @param startEpoch 0-based epoch the run starts (or resumes) in
     * @param epochs total epochs
     * @param batchesPerEpoch batches of an epoch
     * @param parameters scalars in the model
     * @param trainableParameters scalars trained (auxiliary heads included)
     * @param tokenizer tokenizer kind
     * @param start where the weights came from
     * @param timeBudgetMinutes the run's time budget in minutes (0: none; the epoch count is then fitted to it
     *     after the first epochs)
     */
    public record RunInfo(ModelConfig model, int trainSamples, int valSamples, int startEpoch, int epochs,
            int batchesPerEpoch, long parameters, long trainableParameters, String tokenizer, String start,
            double timeBudgetMinutes) {
    }

    /**
     * How a run ended.
     *
     * @param epochsCompleted epochs completed in all
     * @param bestPr50 best validation Pr@0.5 (pixels), NaN without validation
     * @param stopped true when a stop request ended it early
     * @param history every epoch's log
     */
    public record Outcome(int epochsCompleted, double bestPr50, boolean stopped, List<EpochLog> history) {
    }

    private final TrainConfig config;
    private final Listener listener;
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private boolean replaceEarlierRun;
    private FrozenTowerFeatures sharedFeatures;

    public TrainingRun(TrainConfig config, Listener listener) {
        this.config = config;
        this.listener = listener == null ? new Listener() { } : listener;
    }

    /**
     * @param replace true to start a new run in an output folder that already holds files (an earlier run's are
     *     replaced); false (the default) refuses such a folder unless the run resumes
     * @return this run
     */
    public TrainingRun replacingEarlierRun(boolean replace) {
        this.replaceEarlierRun = replace;
        return this;
    }

    /** Asks the run to stop after the current step and save where it is (thread-safe; for Ctrl-C). */
    public void requestStop() {
        stopRequested.set(true);
    }

    /**
     * Runs to the end (or a stop request).
     *
     * @return how it ended
     * @throws DivergenceException when the loss stops being finite (the last good checkpoint is kept)
     */
    public Outcome run() throws IOException, io.rsground.data.DatasetException {
        if (config.run().dataRoot() == null || config.run().out() == null) {
            throw new ConfigException("run.data_root and run.out are required");
        }
        Path out = prepareFolder();
        GroundingDataset dataset = GroundingDataset.open(Path.of(config.run().dataRoot()),
                config.run().splitsDir() == null ? null : Path.of(config.run().splitsDir()));
        List<Sample> train = dataset.split("train");
        List<Sample> val = dataset.split("val");
        if (train.isEmpty()) {
            throw new ConfigException("the training split of " + config.run().dataRoot() + " is empty");
        }
        if (config.run().selection() != null) {
            train = LabelSelection.keep(train, LabelSelection.read(Path.of(config.run().selection())),
                    config.run().minReliability());
        }
        Engine.getInstance();
        try (NDManager manager = NDManager.newBaseManager()) {
            RunSetup setup = RunSetup.create(config, train, manager);
            ModelConfig modelConfig = setup.model().config();
            if (config.optim().replicas() > 1 && modelConfig.fusion().dropout() > 0) {
                // copies side by side would draw the dropout masks from one generator in no fixed order
                throw new ConfigException("--replicas " + config.optim().replicas() + " needs a fusion dropout of 0 "
                        + "(the model's is " + modelConfig.fusion().dropout() + "): add --vl-dropout 0, or drop "
                        + "--replicas");
            }
            Files.writeString(out.resolve("train-config.json"), config.toJson() + "\n");
            ModelConfigs.write(modelConfig, out.resolve("model.json"));
            long runStart = System.nanoTime();
            List<String> done = new ArrayList<>(setup.resumed() == null ? List.of() : setup.resumed().stagesDone());
            boolean stagesRanNow = runStages(setup, manager, dataset, train, val, out, done);
            Objectives.Context context = new Objectives.Context(modelConfig, config.loss());
            try (Trainer trainer = new Trainer(setup.model(), manager, setup.policy(),
                    OptimizerKind.parse(config.optim().optimizer()), config.optim().lr(), config.optim().clipLr(),
                    config.optim().weightDecay(), config.optim().clipMaxNorm(), objective(context))) {
                RunCheckpoints checkpoints = new RunCheckpoints(out, config, RunCheckpoints.trainingScale(train));
                if (stopRequested.get()) {
                    return stopBeforeTraining(setup, trainer, checkpoints, done);
                }
                if (stagesRanNow) {
                    // the stages are minutes of work: a run killed from here on resumes after them
                    checkpoints.save(LAST, setup.model(), setup.tokenizer(), trainer.optimizer(),
                            RunState.start(config.run().seed(), setup.policy(), done), null);
                }
                AugmentConfig augment = augmentation(modelConfig);
                prepareTrainer(trainer, setup, augment, train, val, context);
                TimeBudget budget = config.run().timeBudgetMinutes() > 0 ? new TimeBudget(
                        config.run().timeBudgetMinutes(), runStart, config.optim().epochs(),
                        config.run().budgetWholeEpochs()) : null;
                AbsentQueries absent = trainer.objective().needsAbsentQueries() ? new AbsentQueries(train,
                        SceneObjects.knownObjects(Path.of(config.run().dataRoot()), dataset.allSamples())) : null;
                return new TrainingLoop(config, setup, trainer, listener, checkpoints, stopRequested::get, budget,
                        done).run(train, val, augment, absent);
            }
        }
    }

    /** @return the output folder, refused when it holds an earlier run unasked, and put right after a kill */
    private Path prepareFolder() throws IOException {
        Path out = Path.of(config.run().out());
        if (config.run().resume() == null && !replaceEarlierRun) {
            RunCheckpoints.requireNewRunFolder(out);
        }
        Files.createDirectories(out);
        RunCheckpoints.tidy(out);
        if (config.run().resume() != null) {
            RsgroundCheckpoint.recover(Path.of(config.run().resume()));
        }
        return out;
    }

    private Criterion objective(Objectives.Context context) {
        try {
            return Objectives.create(config.loss(), context);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs the recipe's stages that have not completed yet, in order; a stage cut short by a stop request is not
     * recorded as done (it runs again on resume) and ends the stages.
     *
     * @param done the completed stages, added to
     * @return whether any stage completed now
     */
    private boolean runStages(RunSetup setup, NDManager manager, GroundingDataset dataset, List<Sample> train,
            List<Sample> val, Path out, List<String> done) throws IOException {
        boolean ranNow = false;
        for (Map.Entry<String, Map<String, Object>> e : config.recipe().stages().entrySet()) {
            if (done.contains(e.getKey()) || stopRequested.get()) {
                continue;
            }
            Stage stage = Stages.create(e.getKey());
            Stage.Report report = stage.run(new Stage.Context(setup.model(), manager, config, e.getValue(), dataset,
                    train, val, out, (step, fraction, terms) -> listener.stageProgress(e.getKey(), step, fraction,
                    terms), stopRequested::get));
            listener.stageDone(report);
            if (report.completed()) {
                done.add(e.getKey());
                ranNow = true;
            }
        }
        return ranNow;
    }

    /** Ctrl-C before the first step (during a stage): saves where the weights are, resumable. */
    private Outcome stopBeforeTraining(RunSetup setup, Trainer trainer, RunCheckpoints checkpoints,
            List<String> done) throws IOException {
        RunState state = setup.resumed() != null ? setup.resumed().withStagesDone(done)
                : RunState.start(config.run().seed(), setup.policy(), done);
        checkpoints.save(LAST, setup.model(), setup.tokenizer(), trainer.optimizer(), state, null);
        LOG.info("stopped before the first training step{}; saved to {}", done.containsAll(
                config.recipe().stages().keySet()) ? "" : " (an unfinished stage will run again on resume)",
                config.run().out() + "/" + LAST);
        return new Outcome(state.epoch(), state.bestPr50(), true, List.of());
    }

    /**
     * @param features image features kept by earlier runs of this process with the same frozen tower (the
     *     curriculum's stages): this run reuses them, and leaves there the ones it computes; null (the default) for
     *     a cache of this run's own
     * @return this run
     */
    TrainingRun sharingImageFeatures(FrozenTowerFeatures features) {
        this.sharedFeatures = features;
        return this;
    }

    /**
     * @return the most bytes of frozen image-tower features kept on the heap
     *     ({@value #FEATURE_CACHE_BYTES_PROPERTY})
     */
    static long featureCacheBytes() {
        return Long.getLong(FEATURE_CACHE_BYTES_PROPERTY, Math.min(4L << 30, Runtime.getRuntime().maxMemory() / 3));
    }

    /** Keeps a frozen image tower's features and sets up model copies, as the settings ask. */
    private void prepareTrainer(Trainer trainer, RunSetup setup, AugmentConfig augment, List<Sample> train,
            List<Sample> val, Objectives.Context context) throws IOException {
        if (setup.policy().freezesVision() && augment.deterministic()) {
            // training and validation images alike: each image is prepared the same way wherever it is used
            Map<Integer, String> imageOf = new HashMap<>();
            for (List<Sample> split : List.of(train, val)) {
                for (Sample s : split) {
                    imageOf.put(s.index(), s.imageFile().toString());
                }
            }
            long maxBytes = featureCacheBytes();
            FeatureCache cache = sharedFeatures == null ? FeatureCache.firstUpTo(maxBytes)
                    : sharedFeatures.forTower(setup.model());
            int kept = cache.size();
            trainer.cacheVisualFeatures(imageOf::get, cache);
            long precomputeStart = System.nanoTime();
            Set<Path> given = config.run().imageFeatures() == null ? Set.of()
                    : readFeatures(trainer, setup, train, val);
            precomputeFeatures(trainer, setup, train, val, given, cache);
            LOG.info("image tower frozen: its features are computed once per image ({} images in {} s, {} of them "
                    + "kept from an earlier stage; up to {} MB)", trainer.cachedImages(), String.format(Locale.ROOT,
                    "%.1f", (System.nanoTime() - precomputeStart) / 1e9), kept, maxBytes >> 20);
        } else if (config.run().imageFeatures() != null) {
            throw new ConfigException("run.image_features needs a frozen image tower and images prepared the same "
                    + "way at every use: add --freeze-clip-fully (or --freeze-vision), no augmentation, --no-aug-jitter");
        } else if (setup.policy().freezesVision()) {
            LOG.info("image tower frozen, but its features are computed at every use: {} changes the images from "
                    + "epoch to epoch", augment.jitter() ? "colour jitter (--no-aug-jitter turns it off)"
                    : "augmentation");
        }
        if (config.optim().replicas() > 1) {
            trainer.useReplicas(config.optim().replicas(), () -> objective(context));
            LOG.info("each step in {} shards side by side, on {} copies of the model", config.optim().replicas(),
                    config.optim().replicas());
        }
    }

    /**
     * Backs the trainer's cache with the features folder the settings name (keyed there by the image's path under
     * the data root), memory-mapped and read per batch, whatever its size.
     *
     * @return the images whose features it holds
     */
    private Set<Path> readFeatures(Trainer trainer, RunSetup setup, List<Sample> train, List<Sample> val)
            throws IOException {
        Path root = Path.of(config.run().dataRoot()).toAbsolutePath().normalize();
        Map<String, Path> byKey = new LinkedHashMap<>();
        for (List<Sample> split : List.of(train, val)) {
            for (Sample s : split) {
                byKey.put(root.relativize(s.imageFile().toAbsolutePath().normalize()).toString().replace('\\', '/'),
                        s.imageFile());
            }
        }
        MappedImageFeatures files = ImageFeatureFiles.open(Path.of(config.run().imageFeatures()), setup.model(),
                byKey.keySet());
        Map<String, String> featureKeyOfImage = new HashMap<>();
        Set<Path> given = new HashSet<>();
        for (String key : files.keys()) {
            featureKeyOfImage.put(byKey.get(key).toString(), key);
            given.add(byKey.get(key));
        }
        trainer.readVisualFeaturesFrom(files.renamed(featureKeyOfImage));
        LOG.info("image features of {} of {} images mapped from {} (read per batch); the others are computed",
                given.size(), new HashSet<>(byKey.values()).size(), config.run().imageFeatures());
        return given;
    }

    /** Computes the features of every training and validation image the cache lacks, before the first step. */
    private void precomputeFeatures(Trainer trainer, RunSetup setup, List<Sample> train, List<Sample> val,
            Set<Path> given, FeatureCache cache) {
        Map<Path, Sample> oneOfEachImage = new LinkedHashMap<>();
        for (List<Sample> split : List.of(train, val)) {
            for (Sample s : split) {
                if (!given.contains(s.imageFile()) && !cache.holds(s.imageFile().toString())) {
                    oneOfEachImage.putIfAbsent(s.imageFile(), s);
                }
            }
        }
        if (oneOfEachImage.isEmpty()) {
            return;
        }
        BatchLoader loader = Evaluator.loader(new ArrayList<>(oneOfEachImage.values()), setup.model().config(),
                setup.tokenizer(), Math.max(config.run().evalBatchSize(), 64), config.run().numWorkers()).build();
        try (BatchLoader.Epoch batches = loader.epoch(0)) {
            while (batches.hasNext() && !stopRequested.get()) {
                trainer.precomputeVisualFeatures(batches.next());
            }
        }
    }

    /** @return the training augmentations the configuration asks for, at the model's input size */
    private AugmentConfig augmentation(ModelConfig mc) {
        TrainConfig.Augmentation a = config.augment();
        return new AugmentConfig(mc.vision().imageSize(), a.crop(), a.scale(), a.translate(), a.blur(), a.hflip(),
                a.jitter());
    }
}
