package io.rsground.cli;

import io.rsground.config.ModelConfig;
import io.rsground.config.TrainConfig;
import io.rsground.train.Curriculum;
import io.rsground.train.DivergenceException;
import io.rsground.train.EpochLog;
import io.rsground.train.FromScratch;
import io.rsground.train.Stage;
import io.rsground.train.Trainer;
import io.rsground.train.TrainingRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/** A training run on the console, for {@code train} and {@code demo}: progress, Ctrl-C that saves, the outcome. */
final class TrainingConsole {
    /** Exit code of a run stopped by a non-finite loss. */
    static final int DIVERGED = 3;
    /** Models drawn at random above this many parameters get a word before they are built. */
    static final long LARGE_MODEL = 20_000_000L;
    /** Best validation Pr@0.5 below which a from-scratch run with the reference recipe gets a hint. */
    static final double LEARNED_NOTHING = 0.01;

    private TrainingConsole() {
    }

    /**
     * Runs a training configuration with progress display and Ctrl-C handling.
     *
     * @param overwrite start anew in an output folder that holds an earlier run (otherwise refused)
     */
    static int train(TrainConfig config, boolean overwrite, PrintWriter out, PrintWriter err) throws Exception {
        ProgressListener listener = new ProgressListener(out, config.run().logEvery());
        TrainingRun run = new TrainingRun(config, listener).replacingEarlierRun(overwrite);
        largeModelNotice(config).ifPresent(line -> {
            out.println(line);
            out.flush();
        });
        return withStop(run::requestStop, err, "train", () -> {
            TrainingRun.Outcome outcome = run.run();
            listener.close();
            out.printf(Locale.ROOT, "%s; best validation Pr@0.5 %s; outputs in %s%n", listener.ending(outcome),
                    Double.isNaN(outcome.bestPr50()) ? "n/a" : String.format(Locale.ROOT, "%.2f%%",
                            100 * outcome.bestPr50()), config.run().out());
            learnedNothingHint(config, outcome).ifPresent(out::println);
            return Errors.OK;
        }, listener);
    }

    /**
     * @return for a run that draws a large model at random, a line saying what is built and what a laptop wants
     *     instead; empty for runs from weights and for small models
     */
    static Optional<String> largeModelNotice(TrainConfig config) {
        Optional<ModelConfig> architecture = FromScratch.architecture(config);
        if (architecture.isEmpty()) {
            return Optional.empty();
        }
        // without --bpe the text embedding gets a row per word of the training split, not known yet
        boolean wordVocabulary = config.model().bpe() == null;
        long parameters = FromScratch.parameters(wordVocabulary ? architecture.get().withVocabSize(1)
                : architecture.get());
        if (parameters <= LARGE_MODEL) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "building %s from scratch (no --weights): %s%d M parameters, "
                + "drawn at random; this takes minutes and several GB of memory before the first step. On a "
                + "laptop, --preset tiny or --recipe demo (a tiny model with the demo's from-scratch recipe) is what "
                + "you want", FromScratch.architectureName(config), wordVocabulary ? "over " : "",
                wordVocabulary ? parameters / 1_000_000 : Math.round(parameters / 1e6)));
    }

    /**
     * @return for a from-scratch run with the reference recipe (a fine-tune of pretrained CLIP) whose validation
     *     Pr@0.5 stayed near 0, a hint at the recipes that train from scratch; empty otherwise
     */
    static Optional<String> learnedNothingHint(TrainConfig config, TrainingRun.Outcome outcome) {
        boolean reference = "reference".equals(config.recipe().name());
        if (!reference || FromScratch.architecture(config).isEmpty() || !(outcome.bestPr50() < LEARNED_NOTHING)) {
            return Optional.empty();
        }
        return Optional.of("hint: the reference recipe fine-tunes pretrained CLIP towers (--weights); from random "
                + "weights it learns next to nothing in a few epochs. To train from scratch, start from --recipe "
                + "demo (vision pre-training, the referent terms, settings in train-config.json), e.g. "
                + "'rsground train --recipe demo --data-root ROOT --out OUT'");
    }

    /**
     * Runs CLIP-VG's self-paced curriculum over training runs with progress display and Ctrl-C handling.
     *
     * @param curriculumOf the curriculum, configured, given the progress listener and the line printer it reports to
     * @param config the curriculum's base training settings (output folder, log interval)
     */
    static int curriculum(BiFunction<TrainingRun.Listener, Consumer<String>, Curriculum> curriculumOf,
            TrainConfig config, PrintWriter out, PrintWriter err) throws Exception {
        ProgressListener listener = new ProgressListener(out, config.run().logEvery());
        Curriculum curriculum = curriculumOf.apply(listener, line -> {
            listener.close();
            out.println(line);
            out.flush();
        });
        return withStop(curriculum::requestStop, err, "train --curriculum", () -> {
            Curriculum.Result result = curriculum.run();
            listener.close();
            if (result == null) {
                out.println("stopped; run the same command again to continue where it stopped");
                return Errors.OK;
            }
            out.printf(Locale.ROOT, "curriculum finished: stage %s chosen (%s Pr@0.5 %.2f%%, %,d labels); its model: "
                    + "%s; stages in %s and curriculum.png%n", result.chosen().name(), result.searchSplit(),
                    100 * result.chosen().searchPr50(), result.chosen().labels(), Path.of(config.run().out())
                    .resolve(result.chosen().name()).resolve(TrainingRun.BEST), Curriculum.STATE);
            return Errors.OK;
        }, listener);
    }

    /** Work that a Ctrl-C asks to stop after its current step (saving), waiting up to two minutes for it. */
    @FunctionalInterface
    private interface Work {
        int run() throws Exception;
    }

    private static int withStop(Runnable requestStop, PrintWriter err, String name, Work work,
            ProgressListener listener) throws Exception {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            // the bar goes first, so that this line and the run's own log lines start on a line of their own
            listener.stop();
            err.println("\nrsground " + name + ": stopping after this step and saving ...");
            err.flush();
            requestStop.run();
            try {
                finished.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "rsground-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return work.run();
        } catch (DivergenceException e) {
            listener.close();
            err.println("rsground " + name + ": " + e.getMessage());
            return DIVERGED;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for the latch released above
            }
        }
    }

    /**
     * Shows a bar per epoch on a terminal, erased when the epoch's line is printed, a line every few batches
     * otherwise, and a line per epoch; a stage's bar counts its steps.
     */
    static final class ProgressListener implements TrainingRun.Listener {
        private final PrintWriter out;
        private final int logEvery;
        private Progress bar;
        private int epochs;
        private boolean stopping;
        /** 0-based epoch of the latest step, and the batches done in it; -1 before any step. */
        private int lastEpoch = -1;
        private int lastBatch;

        ProgressListener(PrintWriter out, int logEvery) {
            this.out = out;
            this.logEvery = logEvery;
        }

        @Override
        public synchronized void stageProgress(String stage, int step, double fraction, Map<String, Double> terms) {
            if (stopping) {
                return;
            }
            // a plan in steps makes step / fraction its step count; a plan in minutes, the count the time allows
            int planned = fraction > 0 ? (int) Math.max(step, Math.round(step / fraction)) : 0;
            if (bar == null) {
                bar = new Progress(stage.replace('_', ' '), planned, "steps", logEvery, true);
            }
            bar.extra(String.format(Locale.ROOT, "class accuracy %.1f%%, box L1 %.4f",
                    100 * terms.getOrDefault("class_accuracy", Double.NaN), terms.getOrDefault("box_l1", Double.NaN)));
            bar.progress(step, planned);
        }

        @Override
        public synchronized void stageDone(Stage.Report report) {
            close();
            report.lines().forEach(out::println);
            out.flush();
        }

        @Override
        public synchronized void started(TrainingRun.RunInfo info) {
            epochs = info.epochs();
            // with a time budget the epoch count is only an upper bound until the first epochs have been timed
            String range = info.timeBudgetMinutes() > 0
                    ? String.format(Locale.ROOT, "epochs %d..%d at most, as many as %.1f minutes allow",
                            info.startEpoch() + 1, info.epochs(), info.timeBudgetMinutes())
                    : String.format(Locale.ROOT, "epochs %d..%d", info.startEpoch() + 1, info.epochs());
            out.printf(Locale.ROOT, "training %,d of %,d parameters on %d samples (%d for validation), %d batches "
                    + "per epoch, %s; %s%n", info.trainableParameters(), info.parameters(),
                    info.trainSamples(), info.valSamples(), info.batchesPerEpoch(), range, info.start());
            out.flush();
        }

        @Override
        public synchronized void planned(int plannedEpochs, double secondsPerEpoch) {
            epochs = plannedEpochs;
        }

        @Override
        public synchronized void step(int epoch, int batch, int batches, Trainer.StepResult result) {
            lastEpoch = epoch;
            lastBatch = batch;
            if (stopping) {
                return;
            }
            if (bar == null) {
                bar = new Progress(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, epochs), batches,
                        "batches", logEvery, true);
            }
            bar.extra(String.format(Locale.ROOT, "loss %.4f", result.loss()));
            bar.progress(batch, batches);
        }

        @Override
        public synchronized void validating(int epoch, int samples) {
            close();
        }

        @Override
        public synchronized void epochDone(EpochLog log) {
            close();
            out.printf(Locale.ROOT, "epoch %d: train loss %.4f", log.epoch(), log.trainLoss());
            if (log.valLoss() != null) {
                out.printf(Locale.ROOT, ", val loss %.4f, val Pr@0.5 %.2f%%, meanIoU %.4f", log.valLoss(),
                        100 * log.valPr50(), log.valMeanIou());
            }
            out.printf(Locale.ROOT, ", %.1f samples/s, %.0f s%n", log.samplesPerSecond(), log.seconds());
            out.flush();
        }

        /** Takes the bar off the screen and draws no other: a stop was asked for and lines will follow. */
        synchronized void stop() {
            stopping = true;
            close();
        }

        /**
         * @return how the run ended, counting an epoch cut short by its batches: "finished after 64 epochs",
         *     "stopped after 3 batches of epoch 1", "stopped after 2 epochs and 5 batches of epoch 3"
         */
        synchronized String ending(TrainingRun.Outcome outcome) {
            int completed = outcome.epochsCompleted();
            String epochsDone = completed + (completed == 1 ? " epoch" : " epochs");
            if (!outcome.stopped()) {
                return "finished after " + epochsDone;
            }
            if (lastEpoch != completed || lastBatch == 0) {
                return "stopped after " + epochsDone;
            }
            String partial = lastBatch + (lastBatch == 1 ? " batch" : " batches") + " of epoch " + (lastEpoch + 1);
            return "stopped after " + (completed == 0 ? partial : epochsDone + " and " + partial);
        }

        synchronized void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
