package io.rsground.train;

import ai.djl.engine.Engine;
import ai.djl.nn.Parameter;
import io.rsground.config.ModelConfig;
import io.rsground.config.TrainConfig;
import io.rsground.data.AbsentQueries;
import io.rsground.data.Batch;
import io.rsground.data.BatchLoader;
import io.rsground.data.Sample;
import io.rsground.data.SkippedSamples;
import io.rsground.eval.EvalReport;
import io.rsground.eval.Evaluator;
import io.rsground.image.AugmentConfig;
import io.rsground.image.TrainTransform;
import io.rsground.util.Seeds;
import io.rsground.weights.RsgroundCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The grounding epochs of a run: steps with the schedule, validation, the epoch log, the best score, the time
 * budget's plan, checkpoints and plots after every epoch, a checkpoint of the position within the epoch on a stop
 * request. Randomness is a function of (seed, epoch, batch), so a resumed run continues as the uninterrupted one.
 */
final class TrainingLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

    private final TrainConfig config;
    private final RunSetup setup;
    private final Trainer trainer;
    private final TrainingRun.Listener listener;
    private final RunCheckpoints checkpoints;
    private final BooleanSupplier stopRequested;
    private final TimeBudget budget;
    private final List<String> stagesDone;
    private final List<EpochLog> history = new ArrayList<>();
    private int epochs;
    private LrSchedule schedule;
    private long iteration;
    private double best = Double.NaN;
    private int batchesPerEpoch = 1;
    private double validationSeconds;

    /**
     * @param budget the run's time budget, or null for a plan in epochs
     * @param stagesDone the recipe's stages that completed, recorded in every checkpoint
     */
    TrainingLoop(TrainConfig config, RunSetup setup, Trainer trainer, TrainingRun.Listener listener,
            RunCheckpoints checkpoints, BooleanSupplier stopRequested, TimeBudget budget, List<String> stagesDone) {
        this.config = config;
        this.setup = setup;
        this.trainer = trainer;
        this.listener = listener;
        this.checkpoints = checkpoints;
        this.stopRequested = stopRequested;
        this.budget = budget;
        this.stagesDone = List.copyOf(stagesDone);
        this.epochs = config.optim().epochs();
        this.schedule = schedule(epochs);
    }

    /**
     * Runs the epochs to the end of the plan, or to a stop request.
     *
     * @param absent where the objective's absent-referent queries come from, or null when it needs none
     */
    TrainingRun.Outcome run(List<Sample> train, List<Sample> val, AugmentConfig augment, AbsentQueries absent)
            throws IOException {
        ModelConfig mc = setup.model().config();
        SkippedSamples skipped = new SkippedSamples();
        // with kept image features, the workers need not decode images whose features are known
        BatchLoader loader = BatchLoader.builder(train, new TrainTransform(augment), setup.tokenizer())
                .setBatchSize(config.optim().batchSize()).setPatchSize(mc.vision().patchSize())
                .setMaxQueryLength(mc.maxQueryLen()).optWorkers(config.run().numWorkers())
                .optSeed(config.run().seed()).optShuffle(true).optDropLast(false).optSkipped(skipped)
                .optPixelsWanted(trainer.pixelsWanted()).optAbsentQueries(absent).build();
        BatchLoader valLoader = Evaluator.loader(val, mc, setup.tokenizer(), config.run().evalBatchSize(),
                config.run().numWorkers()).optPixelsWanted(trainer.pixelsWanted()).build();
        batchesPerEpoch = loader.maxBatchesPerEpoch();
        int startEpoch = resumePosition();
        int skipBatches = setup.resumed() == null ? 0 : setup.resumed().batchesDone();
        listener.started(runInfo(train.size(), val.size(), startEpoch, loader.maxBatchesPerEpoch()));
        for (int epoch = startEpoch; epoch < epochs; epoch++) {
            long epochStart = System.nanoTime();
            EpochSums sums = trainEpoch(loader, epoch, skipBatches);
            if (sums.stopped) {
                save(RunCheckpoints.LAST, epoch, sums.batchIndex, null);
                LOG.info("stopped in epoch {} after {} of {} batches; saved to {}", epoch + 1, sums.batchIndex,
                        loader.maxBatchesPerEpoch(), config.run().out() + "/" + RunCheckpoints.LAST);
                return new TrainingRun.Outcome(epoch, best, true, history);
            }
            skipBatches = 0;
            EpochLog log = finishEpoch(epoch, sums, epochStart, valLoader, val, skipped);
            boolean improved = Double.isNaN(best) || score(log) > best;
            if (improved) {
                best = score(log);
            }
            if (sums.budgetSpent) {
                LOG.info("time budget of {} min spent in epoch {} after {} of {} batches; that epoch is the last",
                        String.format(Locale.ROOT, "%.1f", budget.minutes()), epoch + 1, sums.batchIndex,
                        loader.maxBatchesPerEpoch());
                epochs = epoch + 1;
                listener.planned(epochs, log.seconds());
            } else if (budget != null) {
                replan(epoch, startEpoch, log.seconds());
            }
            // the best first: a run killed while writing it resumes from the previous epoch and writes it again
            if (improved) {
                save(RunCheckpoints.BEST, epoch + 1, 0, log);
            }
            save(RunCheckpoints.LAST, epoch + 1, 0, log);
            TrainingPlots.write(Path.of(config.run().out()), history, config.loss());
            listener.epochDone(log);
            if (stopRequested.getAsBoolean()) {
                return new TrainingRun.Outcome(epoch + 1, best, true, history);
            }
        }
        return new TrainingRun.Outcome(epochs, best, false, history);
    }

    /** @return the epoch to start in; a resumed run takes its plan, position, optimizer state and log back */
    private int resumePosition() throws IOException {
        RunState resumed = setup.resumed();
        if (resumed == null) {
            checkpoints.clearLog();
            return 0;
        }
        if (resumed.plannedEpochs() > 0) {
            epochs = resumed.plannedEpochs();
            schedule = schedule(epochs);
        }
        iteration = resumed.iteration();
        best = resumed.bestPr50();
        Path bestDir = Path.of(config.run().out()).resolve(RunCheckpoints.BEST);
        if (!Double.isNaN(best) && !RsgroundCheckpoint.isCheckpoint(bestDir)) {
            LOG.warn("{} is missing (the run was stopped while writing it): the next epoch's checkpoint becomes the "
                    + "best", bestDir);
            best = Double.NaN;
        }
        trainer.optimizer().importState(setup.optimizerState());
        history.addAll(checkpoints.readLog(resumed.epoch()));
        return resumed.epoch();
    }

    private TrainingRun.RunInfo runInfo(int trainSamples, int valSamples, int startEpoch, int batches) {
        long trainable = 0;
        for (Parameter p : trainer.trainable().values()) {
            trainable += p.getShape().size();
        }
        return new TrainingRun.RunInfo(setup.model().config(), trainSamples, valSamples, startEpoch, epochs,
                batches, setup.model().parameterCount(), trainable, setup.tokenizer().describe().kind(),
                setup.start(), budget == null ? 0 : budget.minutes());
    }

    /** What an epoch's steps added up to. */
    private static final class EpochSums {
        final Map<String, Double> terms = new LinkedHashMap<>();
        double loss;
        int steps;
        long samples;
        int batchIndex;
        boolean stopped;
        /** The time budget ran out within the epoch; its steps so far make the epoch. */
        boolean budgetSpent;
    }

    private EpochSums trainEpoch(BatchLoader loader, int epoch, int skipBatches) {
        EpochSums sums = new EpochSums();
        int batches = loader.maxBatchesPerEpoch();
        try (BatchLoader.Epoch batchesOfEpoch = loader.epoch(epoch)) {
            while (batchesOfEpoch.hasNext()) {
                Batch batch = batchesOfEpoch.next();
                if (sums.batchIndex < skipBatches) {
                    sums.batchIndex++;
                    continue;
                }
                // dropout and any other engine randomness: a function of (seed, epoch, batch)
                Engine.getInstance().setRandomSeed(Seeds.forStep(config.run().seed(), epoch, sums.batchIndex));
                trainer.position(epoch, iteration);
                Trainer.StepResult r = trainer.step(batch, schedule.factor(epoch, sums.batchIndex, batches));
                iteration++;
                sums.batchIndex++;
                sums.steps++;
                sums.samples += batch.size();
                sums.loss += r.loss();
                r.terms().forEach((k, v) -> sums.terms.merge(k, v, Double::sum));
                listener.step(epoch, sums.batchIndex, batches, r);
                if (stopRequested.getAsBoolean()) {
                    sums.stopped = true;
                    break;
                }
                // a stage shorter than an epoch keeps to its budget: what is left is for the validation
                if (budget != null && budget.mayCut(epoch) && batchesOfEpoch.hasNext()
                        && budget.secondsLeft() <= validationSeconds) {
                    sums.budgetSpent = true;
                    break;
                }
            }
        }
        return sums;
    }

    /** Validates, logs and records an epoch. */
    private EpochLog finishEpoch(int epoch, EpochSums sums, long epochStart, BatchLoader valLoader, List<Sample> val,
            SkippedSamples skipped) throws IOException {
        double trainSeconds = (System.nanoTime() - epochStart) / 1e9;
        Map<String, Double> valMetrics = null;
        Double valLoss = null;
        if (!val.isEmpty()) {
            listener.validating(epoch, val.size());
            EvalReport report = Evaluator.evaluate(valLoader, val, setup.model().config().vision().imageSize(),
                    trainer::predict, "val", null);
            valMetrics = new LinkedHashMap<>(report.pixel().toMap());
            Map<String, Double> boxLoss = report.boxLoss(config.lossWeight("l1"), config.lossWeight("giou"));
            valLoss = boxLoss.get("loss");
            valMetrics.put("l1", boxLoss.get("l1"));
            valMetrics.put("giou", boxLoss.get("giou"));
            validationSeconds = (System.nanoTime() - epochStart) / 1e9 - trainSeconds;
        }
        Map<String, Double> means = new LinkedHashMap<>();
        int n = Math.max(1, sums.steps);
        sums.terms.forEach((k, v) -> means.put(k, v / n));
        Map<String, Double> lrs = new LinkedHashMap<>();
        double factor = schedule.factor(epoch, Math.max(0, batchesPerEpoch - 1), batchesPerEpoch);
        lrs.put("fusion", config.optim().lr() * factor);
        lrs.put("clip", config.optim().clipLr() * factor);
        EpochLog log = new EpochLog(epoch + 1, sums.loss / n, means, valLoss, valMetrics, lrs,
                (System.nanoTime() - epochStart) / 1e9, sums.samples / Math.max(1e-9, trainSeconds), skipped.count());
        history.add(log);
        checkpoints.appendLog(log);
        return log;
    }

    /** @return what "best" means: validation Pr@0.5, or the negated training loss without validation */
    private static double score(EpochLog log) {
        return log.val() != null ? log.val().get("pr50") : -log.trainLoss();
    }

    /** Fits the plan to the time budget after an epoch. */
    private void replan(int epoch, int startEpoch, double epochSeconds) {
        // a run resumed before any epoch was fitted (killed after its stages) fits its remaining epochs too
        boolean fitting = epoch <= startEpoch + 1 && (setup.resumed() == null
                || setup.resumed().plannedEpochs() == 0);
        int planned = budget.replan(fitting, epoch + 1, epochs, epochSeconds);
        if (planned != epochs) {
            LOG.info("time budget of {} min: {} epochs in all, the latest took {} s",
                    String.format(Locale.ROOT, "%.1f", budget.minutes()), planned,
                    String.format(Locale.ROOT, "%.1f", epochSeconds));
            epochs = planned;
            schedule = schedule(epochs);
            listener.planned(epochs, epochSeconds);
        }
    }

    private void save(String which, int epoch, int batchesDone, EpochLog log) throws IOException {
        // only a budget-fitted epoch count is carried over; otherwise a resumed run follows its own settings
        RunState state = new RunState(epoch, batchesDone, iteration, best,
                epochs != config.optim().epochs() ? epochs : 0, config.run().seed(), setup.policy().name(),
                stagesDone);
        checkpoints.save(which, setup.model(), setup.tokenizer(), trainer.optimizer(), state, log);
    }

    private LrSchedule schedule(int epochCount) {
        TrainConfig.Schedule s = config.schedule();
        return new LrSchedule(LrSchedule.Kind.parse(s.kind()), epochCount, s.lrDrop(), s.lrPower(),
                s.lrExponential(), s.warmupEpochs());
    }
}
