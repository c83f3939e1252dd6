package io.rsground.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.config.ConfigException;
import io.rsground.config.FusionConfig;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.config.TextConfig;
import io.rsground.config.TrainConfig;
import io.rsground.config.VisionConfig;
import io.rsground.data.Batch;
import io.rsground.data.BatchLoader;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.Sample;
import io.rsground.data.SkippedSamples;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.image.AugmentConfig;
import io.rsground.image.TrainTransform;
import io.rsground.infer.ModelLoader;
import io.rsground.model.ClipVgModel;
import io.rsground.text.Tokenizer;
import io.rsground.text.Tokenizers;
import io.rsground.text.WordTokenizer;
import io.rsground.weights.HostTensor;
import io.rsground.weights.RsgroundCheckpoint;
import io.rsground.weights.SafeTensors;
import io.rsground.weights.WeightFiles;
import io.rsground.weights.WeightLoader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole training run: data, model, tokenizer and weights from a {@link TrainConfig}; epochs of steps with the
 * schedule; validation, {@code checkpoint/} and {@code best_checkpoint/} after every epoch; {@code log.jsonl},
 * {@code loss.png}, {@code metrics.png} and {@code train-config.json} in the output folder.
 *
 * <p>Randomness is a function of (seed, epoch, iteration): the loader's shuffle and augmentations and the
 * engine's generator (dropout) are re-seeded from it, so a run resumed from a checkpoint continues exactly as
 * the uninterrupted run would have. A stop request (Ctrl-C) ends the current step, saves the position within the
 * epoch into {@code checkpoint/} and returns.
 */
public final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    public static final String LAST = "checkpoint";
    public static final String BEST = "best_checkpoint";
    static final String STATE = "training-state.json";
    static final String OPTIMIZER = "optimizer.safetensors";

    /** Told what happens, for progress displays. Called on the training thread. */
    public interface Listener {
        /** The run is set up. */
        default void pretraining(int step, double fraction, Map<String, Double> terms) {
        }

        default void pretrained(VisionPretraining.Result result) {
        }

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
    private boolean visionPretrained;

    public TrainingRun(TrainConfig config, Listener listener) {
        this.config = config;
        this.listener = listener == null ? new Listener() { } : listener;
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
        Path out = Path.of(config.outputDir());
        Files.createDirectories(out);
        Path root = Path.of(config.dataRoot());
        DiorRsvgDataset dataset = DiorRsvgDataset.open(root, config.splitsDir() == null ? null
                : Path.of(config.splitsDir()));
        List<Sample> train = dataset.split("train");
        List<Sample> val = dataset.split("val");
        if (train.isEmpty()) {
            throw new ConfigException("the training split of " + root + " is empty");
        }
        Engine.getInstance();
        try (NDManager manager = NDManager.newBaseManager()) {
            Setup setup = setUp(train, manager);
            ModelConfig modelConfig = setup.model.config();
            if (config.replicas() > 1 && modelConfig.fusion().dropout() > 0) {
                // copies side by side would draw the dropout masks from one generator in no fixed order
                throw new ConfigException("--replicas " + config.replicas() + " needs a fusion dropout of 0 (the "
                        + "model's is " + modelConfig.fusion().dropout() + "): add --vl-dropout 0, or drop --replicas");
            }
            Files.writeString(out.resolve("train-config.json"), config.toJson() + "\n");
            ModelConfigs.write(modelConfig, out.resolve("model.json"));

            long runStart = System.nanoTime();
            visionPretrained = setup.resume != null && setup.resume.visionPretrained;
            boolean pretrainedNow = false;
            if ((config.pretrainVisionMinutes() > 0 || config.pretrainVisionSteps() > 0) && !visionPretrained) {
                pretrainVision(setup, train, val, dataset, root, out, manager);
                pretrainedNow = visionPretrained;
            }
            Objectives.Context objectiveContext = new Objectives.Context(config, modelConfig, root, train);
            TrainingObjective objective = Objectives.create(config.recipe(), objectiveContext);
            try (Trainer trainer = new Trainer(setup.model, manager, setup.policy,
                    OptimizerKind.parse(config.optimizer()), config.lr(), config.lrClip(), config.weightDecay(),
                    config.clipMaxNorm(), objective)) {
                if (stopRequested.get()) {
                    return stopBeforeTraining(setup, trainer, out);
                }
                if (pretrainedNow) {
                    // the pre-trained tower is minutes of work: a run killed from here on resumes with it
                    saveCheckpoint(out.resolve(LAST), setup, trainer, 0, 0, 0, Double.NaN, 0, null);
                }
                AugmentConfig augment = augmentation(modelConfig);
                if (setup.policy.freezesVision() && augment.deterministic()) {
                    // training and validation images alike: each image is prepared the same way wherever it is used
                    Map<Integer, String> imageOf = new HashMap<>();
                    for (List<Sample> split : List.of(train, val)) {
                        for (Sample s : split) {
                            imageOf.put(s.index(), s.imageFile().toString());
                        }
                    }
                    long maxBytes = Math.min(4L << 30, Runtime.getRuntime().maxMemory() / 3);
                    trainer.cacheVisualFeatures(imageOf::get, maxBytes);
                    long precomputeStart = System.nanoTime();
                    precomputeFeatures(trainer, setup, train, val);
                    LOG.info("image tower frozen: its features are computed once per image ({} images in {} s, up "
                            + "to {} MB)", trainer.cachedImages(), String.format(Locale.ROOT, "%.1f",
                            (System.nanoTime() - precomputeStart) / 1e9), maxBytes >> 20);
                } else if (setup.policy.freezesVision()) {
                    LOG.info("image tower frozen, but its features are computed at every use: {} changes the images "
                            + "from epoch to epoch", augment.jitter() ? "colour jitter (--no-aug-jitter turns it "
                            + "off)" : "augmentation");
                }
                if (config.replicas() > 1) {
                    trainer.useReplicas(config.replicas(), () -> {
                        try {
                            return Objectives.create(config.recipe(), objectiveContext);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                    LOG.info("each step in {} shards side by side, on {} copies of the model", config.replicas(),
                            config.replicas());
                }
                return loop(setup, trainer, train, val, out, manager, runStart, augment);
            }
        }
    }

    /** Ctrl-C before the first step (during vision pre-training): saves where the weights are, resumable. */
    private Outcome stopBeforeTraining(Setup setup, Trainer trainer, Path out) throws IOException {
        int epoch = setup.resume != null ? setup.resume.epoch : 0;
        int batchesDone = setup.resume != null ? setup.resume.batchesDone : 0;
        long iteration = setup.resume != null ? setup.resume.iteration : 0;
        double best = setup.resume != null ? setup.resume.bestPr50 : Double.NaN;
        int planned = setup.resume != null ? setup.resume.plannedEpochs : 0;
        saveCheckpoint(out.resolve(LAST), setup, trainer, epoch, batchesDone, iteration, best, planned, null);
        LOG.info("stopped before the first training step{}; saved to {}", visionPretrained ? ""
                : " (vision pre-training will run again on resume)", out.resolve(LAST));
        return new Outcome(epoch, best, true, List.of());
    }

    /** Stage 1 of the staged recipe: the image tower learns the data set's objects; a summary goes to OUT. */
    private void pretrainVision(Setup setup, List<Sample> train, List<Sample> val, DiorRsvgDataset dataset,
            Path root, Path out, NDManager manager) throws IOException {
        Map<Path, List<VisionPretraining.LabeledBox>> objects = VisionPretraining.knownObjects(root,
                dataset.allSamples());
        VisionPretraining.Settings settings = new VisionPretraining.Settings(config.pretrainVisionMinutes(),
                config.pretrainVisionSteps(), config.pretrainVisionBatch() > 0 ? config.pretrainVisionBatch()
                : config.batchSize(), config.pretrainVisionLr(), config.weightDecay(),
                config.clipMaxNorm() > 0 ? config.clipMaxNorm() : 1.0, config.seed());
        LOG.info("vision pre-training: {}{}", config.pretrainVisionMinutes() > 0 ? String.format(Locale.ROOT,
                "%.1f min", config.pretrainVisionMinutes()) : "", config.pretrainVisionSteps() > 0
                ? (config.pretrainVisionMinutes() > 0 ? ", " : "") + "at most " + config.pretrainVisionSteps()
                + " steps" : "");
        VisionPretraining.Result result = VisionPretraining.run(setup.model, manager, train, objects, settings,
                new VisionPretraining.Progress() {
                    @Override
                    public void step(int step, double fraction, Map<String, Double> terms) {
                        listener.pretraining(step, fraction, terms);
                    }

                    @Override
                    public boolean stopRequested() {
                        return stopRequested.get();
                    }
                }, val);
        // a stage cut short by Ctrl-C is run again, from where the tower got to, when the run resumes
        visionPretrained = !stopRequested.get();
        ObjectNode summary = JSON.createObjectNode();
        summary.put("steps", result.steps());
        summary.put("seconds", result.seconds());
        summary.put("images", result.images());
        summary.set("classes", JSON.valueToTree(result.classes()));
        summary.set("labels", JSON.valueToTree(result.labels()));
        summary.set("final", JSON.valueToTree(result.terms()));
        summary.set("held_out", JSON.valueToTree(result.heldOut()));
        Files.writeString(out.resolve("pretrain-vision.json"), JSON.writeValueAsString(summary) + "\n");
        listener.pretrained(result);
    }

    /** What {@link #setUp} decided. */
    private record Setup(ClipVgModel model, Tokenizer tokenizer, TrainablePolicy policy, String start,
            ResumeState resume) {
    }

    /** Where a resumed run stands. */
    private record ResumeState(int epoch, int batchesDone, long iteration, double bestPr50, int plannedEpochs,
            boolean visionPretrained, Map<String, HostTensor> optimizer) {
    }

    private Setup setUp(List<Sample> train, NDManager manager) throws IOException {
        if (config.resume() != null) {
            Path dir = Path.of(config.resume());
            RsgroundCheckpoint.Contents c = RsgroundCheckpoint.read(dir);
            JsonNode state = readState(c.dir());
            ClipVgModel model = new ClipVgModel(c.config());
            WeightLoader.load(model, c.weights(), dir.toString(), true, manager);
            Map<String, HostTensor> optimizer = Files.exists(c.dir().resolve(OPTIMIZER))
                    ? SafeTensors.read(c.dir().resolve(OPTIMIZER)) : Map.of();
            ResumeState resume = new ResumeState(state.path("epoch").asInt(), state.path("batches_done").asInt(),
                    state.path("iteration").asLong(), state.path("best_pr50").asDouble(Double.NaN),
                    state.path("planned_epochs").asInt(0), state.path("vision_pretrained").asBoolean(false),
                    optimizer);
            TrainablePolicy policy = TrainablePolicy.valueOf(state.path("policy").asText(TrainablePolicy.ALL
                    .name()));
            return new Setup(model, c.tokenizer(), policy, "resumed from " + dir, resume);
        }
        ModelConfig architecture = baseArchitecture();
        Tokenizer tokenizer;
        Map<String, HostTensor> weights = null;
        String start;
        boolean pretrained;
        if (config.retrain() != null || (config.weights() != null && Files.isDirectory(Path.of(config.weights())))) {
            Path dir = Path.of(config.retrain() != null ? config.retrain() : config.weights());
            RsgroundCheckpoint.Contents c = RsgroundCheckpoint.read(dir);
            architecture = c.config();
            tokenizer = c.tokenizer();
            weights = c.weights();
            start = "weights of " + dir;
            pretrained = true;
        } else if (config.weights() != null) {
            Path file = Path.of(config.weights());
            weights = WeightFiles.read(file);
            tokenizer = Tokenizers.clipFromFile(config.bpe() != null ? Path.of(config.bpe())
                    : ModelLoader.findVocabulary(file));
            start = "weights " + file;
            pretrained = true;
        } else if (config.bpe() != null) {
            tokenizer = Tokenizers.clipFromFile(Path.of(config.bpe()));
            start = "random initialisation (CLIP BPE vocabulary)";
            pretrained = false;
        } else {
            List<String> queries = train.stream().map(Sample::query).toList();
            tokenizer = WordTokenizer.build(queries, 1);
            architecture = architecture.withVocabSize(tokenizer.vocabSize());
            start = "random initialisation (word vocabulary of " + tokenizer.vocabSize() + " built from the "
                    + "training split)";
            pretrained = false;
        }
        architecture = applyOverrides(architecture);
        ClipVgModel model = new ClipVgModel(architecture);
        Engine.getInstance().setRandomSeed((int) config.seed());
        if (weights != null) {
            WeightLoader.Report r = WeightLoader.load(model, weights, start, false, manager);
            LOG.info("{}: {} tensors loaded ({}), {} drawn at random", start, r.loaded(), r.naming(),
                    r.initialised().size());
        } else {
            model.initializeParameters(manager);
        }
        TrainablePolicy policy = config.freezeClipFully() ? TrainablePolicy.FREEZE_CLIP_FULLY
                : config.freezeVision() ? TrainablePolicy.FREEZE_VISION
                : config.freezeClip() != null ? (config.freezeClip() ? TrainablePolicy.FREEZE_CLIP
                        : TrainablePolicy.ALL)
                : pretrained ? TrainablePolicy.FREEZE_CLIP : TrainablePolicy.ALL;
        return new Setup(model, tokenizer, policy, start, null);
    }

    private ModelConfig baseArchitecture() {
        if (config.modelConfig() != null) {
            return ModelConfigs.read(Path.of(config.modelConfig()));
        }
        return ModelConfigs.preset(config.preset() != null ? config.preset() : "vit-b-16");
    }

    /**
     * Applies the reference's architecture flags (--imsize, --max-query-len, --vl-*), --text-layers and
     * --conv-stem.
     */
    private ModelConfig applyOverrides(ModelConfig c) {
        VisionConfig v = c.vision();
        if (config.imsize() > 0 && config.imsize() != v.imageSize()) {
            v = v.withImageSize(config.imsize());
        }
        if (!config.convStem().isEmpty()) {
            v = v.withConvStem(config.convStem());
        }
        FusionConfig f = c.fusion();
        f = new FusionConfig(config.vlHiddenDim() > 0 ? config.vlHiddenDim() : f.hiddenDim(),
                config.vlNheads() > 0 ? config.vlNheads() : f.heads(),
                config.vlDimFeedforward() > 0 ? config.vlDimFeedforward() : f.ffnDim(),
                config.vlEncLayers() > 0 ? config.vlEncLayers() : f.layers(),
                config.vlDropout() >= 0 ? config.vlDropout() : f.dropout());
        TextConfig t = c.text();
        if (config.textLayers() > 0 && config.textLayers() != t.layers()) {
            t = new TextConfig(t.contextLength(), t.vocabSize(), t.width(), config.textLayers(), t.heads());
        }
        int maxQuery = config.maxQueryLen() > 0 ? config.maxQueryLen() : c.maxQueryLen();
        return c.withVision(v).withText(t).withFusion(f).withMaxQueryLen(maxQuery);
    }

    /** Computes the features of every training and validation image once, before the first step. */
    private void precomputeFeatures(Trainer trainer, Setup setup, List<Sample> train, List<Sample> val) {
        Map<Path, Sample> oneOfEachImage = new LinkedHashMap<>();
        for (List<Sample> split : List.of(train, val)) {
            for (Sample s : split) {
                oneOfEachImage.putIfAbsent(s.imageFile(), s);
            }
        }
        ModelConfig mc = setup.model.config();
        List<Sample> images = new ArrayList<>(oneOfEachImage.values());
        BatchLoader loader = Evaluator.loader(images, mc, setup.tokenizer, Math.max(config.evalBatchSize(), 64),
                config.numWorkers()).build();
        try (BatchLoader.Epoch batches = loader.epoch(0)) {
            while (batches.hasNext() && !stopRequested.get()) {
                trainer.precomputeVisualFeatures(batches.next());
            }
        }
    }

    /** @return the training augmentations the configuration asks for, at the model's input size */
    private AugmentConfig augmentation(ModelConfig mc) {
        return new AugmentConfig(mc.vision().imageSize(), config.augCrop(), config.augScale(), config.augTranslate(),
                config.augBlur(), config.augHflip(), config.augJitter());
    }

    private Outcome loop(Setup setup, Trainer trainer, List<Sample> train, List<Sample> val, Path out,
            NDManager manager, long runStart, AugmentConfig augment) throws IOException {
        ClipVgModel model = setup.model;
        ModelConfig mc = model.config();
        SkippedSamples skipped = new SkippedSamples();
        // with kept image features, the workers need not decode images whose features are known
        BatchLoader loader = BatchLoader.builder(train, new TrainTransform(augment), setup.tokenizer)
                .setBatchSize(config.batchSize()).setPatchSize(mc.vision().patchSize())
                .setMaxQueryLength(mc.maxQueryLen()).optWorkers(config.numWorkers()).optSeed(config.seed())
                .optShuffle(true).optDropLast(false).optSkipped(skipped).optPixelsWanted(trainer.pixelsWanted())
                .build();
        BatchLoader valLoader = Evaluator.loader(val, mc, setup.tokenizer, config.evalBatchSize(), config.numWorkers())
                .optPixelsWanted(trainer.pixelsWanted()).build();
        int batches = loader.maxBatchesPerEpoch();
        int epochs = config.epochs();
        LrSchedule schedule = schedule(epochs);

        int startEpoch = 0;
        int skipBatches = 0;
        long iteration = 0;
        double best = Double.NaN;
        List<EpochLog> history = new ArrayList<>();
        if (setup.resume != null) {
            if (setup.resume.plannedEpochs > 0) {
                epochs = setup.resume.plannedEpochs;
                schedule = schedule(epochs);
            }
            startEpoch = setup.resume.epoch;
            skipBatches = setup.resume.batchesDone;
            iteration = setup.resume.iteration;
            best = setup.resume.bestPr50;
            trainer.optimizer().importState(setup.resume.optimizer);
            history.addAll(readLog(out, startEpoch));
        } else {
            Files.deleteIfExists(out.resolve("log.jsonl"));
        }
        long trainable = 0;
        for (Parameter p : trainer.trainable().values()) {
            trainable += p.getShape().size();
        }
        listener.started(new RunInfo(mc, train.size(), val.size(), startEpoch, epochs, batches,
                model.parameterCount(), trainable, setup.tokenizer.describe().kind(), setup.start,
                config.timeBudgetMinutes()));

        for (int epoch = startEpoch; epoch < epochs; epoch++) {
            long epochStart = System.nanoTime();
            Map<String, Double> sums = new LinkedHashMap<>();
            double lossSum = 0;
            int steps = 0;
            long samples = 0;
            int batchIndex = 0;
            boolean stopped = false;
            try (BatchLoader.Epoch batchesOfEpoch = loader.epoch(epoch)) {
                while (batchesOfEpoch.hasNext()) {
                    Batch batch = batchesOfEpoch.next();
                    if (batchIndex < skipBatches) {
                        batchIndex++;
                        continue;
                    }
                    // dropout and any other engine randomness: a function of (seed, epoch, iteration)
                    Engine.getInstance().setRandomSeed(seedFor(config.seed(), epoch, batchIndex));
                    trainer.position(epoch, iteration);
                    double factor = schedule.factor(epoch, batchIndex, batches);
                    Trainer.StepResult r = trainer.step(batch, factor);
                    iteration++;
                    batchIndex++;
                    steps++;
                    samples += batch.size();
                    lossSum += r.loss();
                    r.terms().forEach((k, v) -> sums.merge(k, v, Double::sum));
                    listener.step(epoch, batchIndex, batches, r);
                    if (stopRequested.get()) {
                        stopped = true;
                        break;
                    }
                }
            }
            if (stopped) {
                saveCheckpoint(out.resolve(LAST), setup, trainer, epoch, batchIndex, iteration, best, epochs, null);
                LOG.info("stopped in epoch {} after {} of {} batches; saved to {}", epoch + 1, batchIndex, batches,
                        out.resolve(LAST));
                return new Outcome(epoch, best, true, history);
            }
            double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
            skipBatches = 0;

            Map<String, Double> valMetrics = null;
            Double valLoss = null;
            if (!val.isEmpty()) {
                listener.validating(epoch, val.size());
                EvalReport report = Evaluator.evaluate(valLoader, val, mc.vision().imageSize(), trainer::predict, "val",
                        null);
                valMetrics = new LinkedHashMap<>(report.pixel().toMap());
                Map<String, Double> boxLoss = report.boxLoss(config.lossL1(), config.lossGiou());
                valLoss = boxLoss.get("loss");
                valMetrics.put("l1", boxLoss.get("l1"));
                valMetrics.put("giou", boxLoss.get("giou"));
            }
            Map<String, Double> means = new LinkedHashMap<>();
            int n = Math.max(1, steps);
            sums.forEach((k, v) -> means.put(k, v / n));
            Map<String, Double> lrs = new LinkedHashMap<>();
            double factor = schedule.factor(epoch, Math.max(0, batches - 1), batches);
            lrs.put("fusion", config.lr() * factor);
            lrs.put("clip", (config.lrClip() < 0 ? config.lr() : config.lrClip()) * factor);
            EpochLog log = new EpochLog(epoch + 1, lossSum / n, means, valLoss, valMetrics, lrs,
                    (System.nanoTime() - epochStart) / 1e9, samples / Math.max(1e-9, trainSeconds),
                    skipped.count());
            history.add(log);
            appendLog(out, log);

            double score = valMetrics != null ? valMetrics.get("pr50") : -log.trainLoss();
            boolean improved = Double.isNaN(best) || score > best;
            if (improved) {
                best = score;
            }
            if (config.timeBudgetMinutes() > 0 && epoch <= startEpoch + 1
                    && (setup.resume == null || setup.resume.plannedEpochs == 0)) {
                // fit the rest of the run into the budget, judging by the latest epoch (validation included); the
                // second epoch is the better guide, the first one pays for warming up the engine. A run resumed
                // before any epoch was fitted (killed after vision pre-training) fits its remaining epochs into
                // the budget counted from its own start
                double left = config.timeBudgetMinutes() * 60 - (System.nanoTime() - runStart) / 1e9;
                int planned = fitEpochs(epoch + 1, config.epochs(), left, log.seconds());
                if (planned != epochs) {
                    LOG.info("time budget of {} min: {} epochs of about {} s",
                            String.format(Locale.ROOT, "%.1f", config.timeBudgetMinutes()), planned,
                            String.format(Locale.ROOT, "%.1f", log.seconds()));
                    epochs = planned;
                    schedule = schedule(epochs);
                    listener.planned(epochs, log.seconds());
                }
            } else if (config.timeBudgetMinutes() > 0) {
                // later epochs may run slower than the ones the plan was made from (the machine's speed drifts)
                double left = config.timeBudgetMinutes() * 60 - (System.nanoTime() - runStart) / 1e9;
                int planned = refitEpochs(epoch + 1, epochs, left, log.seconds());
                if (planned != epochs) {
                    LOG.info("time budget of {} min: the epochs now take about {} s, so {} epochs instead of {}",
                            String.format(Locale.ROOT, "%.1f", config.timeBudgetMinutes()),
                            String.format(Locale.ROOT, "%.1f", log.seconds()), planned, epochs);
                    epochs = planned;
                    schedule = schedule(epochs);
                    listener.planned(epochs, log.seconds());
                }
            }
            saveCheckpoint(out.resolve(LAST), setup, trainer, epoch + 1, 0, iteration, best, epochs, log);
            if (improved) {
                saveCheckpoint(out.resolve(BEST), setup, trainer, epoch + 1, 0, iteration, best, epochs, log);
            }
            TrainingPlots.write(out, history, config.lossL1(), config.lossGiou());
            listener.epochDone(log);
            if (stopRequested.get()) {
                return new Outcome(epoch + 1, best, true, history);
            }
        }
        return new Outcome(epochs, best, false, history);
    }

    /**
     * The epoch count that fits a time budget, judged by the latest epoch.
     *
     * @param done epochs completed
     * @param most the most epochs asked for
     * @param secondsLeft budget left, in seconds (may be negative)
     * @param perEpoch seconds the latest epoch took
     * @return done plus as many epochs as fit, at least 1 and at most {@code most}
     */
    static int fitEpochs(int done, int most, double secondsLeft, double perEpoch) {
        int fit = done + (int) Math.floor(Math.max(0, secondsLeft) / perEpoch);
        return Math.max(1, Math.min(most, fit));
    }

    /**
     * A plan made earlier, shortened when the epochs have become slower: the last epochs are dropped rather than
     * overrun the budget by more than half an epoch; a plan is never lengthened (its schedule is under way).
     *
     * @param done epochs completed
     * @param planned the current plan
     * @param secondsLeft budget left, in seconds (may be negative)
     * @param perEpoch seconds the latest epoch took
     * @return the epochs to run in all, between {@code done} and {@code planned}
     */
    static int refitEpochs(int done, int planned, double secondsLeft, double perEpoch) {
        if ((planned - done) * perEpoch <= secondsLeft + perEpoch / 2) {
            return planned;
        }
        return Math.min(planned, done + (int) Math.floor(Math.max(0, secondsLeft + perEpoch / 2) / perEpoch));
    }

    private LrSchedule schedule(int epochs) {
        return new LrSchedule(LrSchedule.Kind.parse(config.lrScheduler()), epochs, config.lrDrop(), config.lrPower(),
                config.lrExponential(), config.warmupEpochs());
    }

    /** @return a seed mixing the run's seed with the position (SplitMix64 finaliser) */
    static int seedFor(long seed, int epoch, int batch) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + batch * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (int) ((z ^ (z >>> 31)) & 0x7fffffff);
    }

    private void saveCheckpoint(Path dir, Setup setup, Trainer trainer, int epoch, int batchesDone, long iteration,
            double best, int plannedEpochs, EpochLog log) throws IOException {
        Map<String, HostTensor> weights = new LinkedHashMap<>();
        setup.model.namedParameters().forEach((name, p) -> weights.put(name, HostTensor.ofFloats(
                p.getArray().getShape().getShape(), p.getArray().toFloatArray())));
        Map<String, Object> info = RsgroundCheckpoint.info();
        info.put("epoch", epoch);
        info.put("recipe", config.recipe());
        if (config.preset() != null) {
            info.put("preset", config.preset());
        }
        if (log != null && log.val() != null) {
            info.put("val", log.val());
        }
        Map<String, HostTensor> optimizerState = trainer.optimizer().exportState();
        ObjectNode state = JSON.createObjectNode();
        state.put("epoch", epoch);
        state.put("batches_done", batchesDone);
        state.put("iteration", iteration);
        state.put("best_pr50", best);
        // only a budget-fitted epoch count is carried over; otherwise a resumed run follows its own --epochs
        state.put("planned_epochs", plannedEpochs != config.epochs() ? plannedEpochs : 0);
        state.put("seed", config.seed());
        state.put("policy", setup.policy.name());
        state.put("vision_pretrained", visionPretrained);
        RsgroundCheckpoint.write(dir, setup.model.config(), setup.tokenizer, weights, info, tmp -> {
            SafeTensors.write(tmp.resolve(OPTIMIZER), optimizerState, Map.of("steps",
                    Long.toString(trainer.optimizer().steps())));
            Files.writeString(tmp.resolve(STATE), JSON.writeValueAsString(state) + "\n");
            Files.writeString(tmp.resolve("train-config.json"), config.toJson() + "\n");
        });
    }

    private static JsonNode readState(Path dir) throws IOException {
        Path file = dir.resolve(STATE);
        if (!Files.exists(file)) {
            throw new IOException(dir + " holds no training state (" + STATE + "): it is a model checkpoint, not a "
                    + "resumable one; use --retrain to start from its weights");
        }
        return JSON.readTree(file.toFile());
    }

    private static void appendLog(Path out, EpochLog log) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(out.resolve("log.jsonl"), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(new ObjectMapper().writeValueAsString(log));
            w.newLine();
        }
    }

    /** Reads the log of the epochs a resumed run already completed, dropping any line past them. */
    private static List<EpochLog> readLog(Path out, int epochsCompleted) throws IOException {
        Path file = out.resolve("log.jsonl");
        List<EpochLog> logs = new ArrayList<>();
        if (Files.exists(file)) {
            ObjectMapper m = new ObjectMapper();
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    EpochLog e = m.readValue(line, EpochLog.class);
                    if (e.epoch() <= epochsCompleted) {
                        logs.add(e);
                    }
                }
            }
            StringBuilder sb = new StringBuilder();
            for (EpochLog e : logs) {
                sb.append(m.writeValueAsString(e)).append('\n');
            }
            Files.writeString(file, sb.toString());
        }
        return logs;
    }
}
