package io.rsground.cli;

import io.rsground.config.TrainConfig;
import io.rsground.data.Sample;
import io.rsground.train.Curriculum;
import io.rsground.train.DivergenceException;
import io.rsground.train.EpochLog;
import io.rsground.train.Stage;
import io.rsground.train.Trainer;
import io.rsground.train.TrainingRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A training run on the console, for {@code train} and {@code demo}: progress, Ctrl-C that saves, the outcome. */
final class TrainingConsole {
    /** Exit code of a run stopped by a non-finite loss. */
    static final int DIVERGED = 3;

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
        return withStop(run::requestStop, err, "train", () -> {
            TrainingRun.Outcome outcome = run.run();
            listener.close();
            out.printf(Locale.ROOT, "%s after %d epochs; best validation Pr@0.5 %s; outputs in %s%n",
                    outcome.stopped() ? "stopped" : "finished", outcome.epochsCompleted(),
                    Double.isNaN(outcome.bestPr50()) ? "n/a" : String.format(Locale.ROOT, "%.2f%%",
                            100 * outcome.bestPr50()), config.run().out());
            return Errors.OK;
        }, listener);
    }

    /**
     * Runs CLIP-VG's self-paced curriculum over training runs with progress display and Ctrl-C handling.
     *
     * @param kind single- or multi-source
     * @param thresholds reliabilities tried
     * @param search the split each stage is scored on, or null for the training data set's val split
     * @param overwrite start anew in an output folder that holds files but no curriculum (otherwise refused)
     */
    static int curriculum(Curriculum.Kind kind, TrainConfig config, boolean overwrite, List<Double> thresholds,
            List<Sample> search, String searchName, PrintWriter out, PrintWriter err) throws Exception {
        ProgressListener listener = new ProgressListener(out, config.run().logEvery());
        Curriculum curriculum = new Curriculum(kind, config, thresholds, search, searchName, listener, line -> {
            listener.close();
            out.println(line);
            out.flush();
        }).replacingEarlierRun(overwrite);
        return withStop(curriculum::requestStop, err, "train --curriculum", () -> {
            Curriculum.Result result = curriculum.run();
            listener.close();
            if (result == null) {
                out.println("stopped; run the same command again to continue where it stopped");
                return Errors.OK;
            }
            out.printf(Locale.ROOT, "curriculum finished: stage %s chosen (%s Pr@0.5 %.2f%%, %,d labels); its model: "
                    + "%s; stages in %s and curriculum.png%n", result.chosen().name(), searchName,
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

    /** Shows a bar per epoch on a terminal, a line every few batches otherwise, and a line per epoch. */
    static final class ProgressListener implements TrainingRun.Listener {
        private final PrintWriter out;
        private final int logEvery;
        private Progress bar;
        private int epochs;

        ProgressListener(PrintWriter out, int logEvery) {
            this.out = out;
            this.logEvery = logEvery;
        }

        @Override
        public void stageProgress(String stage, int step, double fraction, Map<String, Double> terms) {
            if (bar == null) {
                // a stage's plan may be in steps or minutes: the bar counts per cent of it
                bar = new Progress(stage.replace('_', ' '), 100, "%", 10);
            }
            bar.extra(String.format(Locale.ROOT, "step %d, class accuracy %.1f%%, box L1 %.4f", step,
                    100 * terms.getOrDefault("class_accuracy", Double.NaN), terms.getOrDefault("box_l1", Double.NaN)));
            bar.progress((int) Math.round(100 * fraction), 100);
        }

        @Override
        public void stageDone(Stage.Report report) {
            close();
            report.lines().forEach(out::println);
            out.flush();
        }

        @Override
        public void started(TrainingRun.RunInfo info) {
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
        public void planned(int plannedEpochs, double secondsPerEpoch) {
            epochs = plannedEpochs;
        }

        @Override
        public void step(int epoch, int batch, int batches, Trainer.StepResult result) {
            if (bar == null) {
                bar = new Progress(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, epochs), batches,
                        "batches", logEvery);
            }
            bar.extra(String.format(Locale.ROOT, "loss %.4f", result.loss()));
            bar.progress(batch, batches);
        }

        @Override
        public void validating(int epoch, int samples) {
            close();
        }

        @Override
        public void epochDone(EpochLog log) {
            close();
            out.printf(Locale.ROOT, "epoch %d: train loss %.4f", log.epoch(), log.trainLoss());
            if (log.valLoss() != null) {
                out.printf(Locale.ROOT, ", val loss %.4f, val Pr@0.5 %.2f%%, meanIoU %.4f", log.valLoss(),
                        100 * log.valPr50(), log.valMeanIou());
            }
            out.printf(Locale.ROOT, ", %.1f samples/s, %.0f s%n", log.samplesPerSecond(), log.seconds());
            out.flush();
        }

        void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
