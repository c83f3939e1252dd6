package io.rsground.cli;

import io.rsground.config.TrainConfig;
import io.rsground.train.DivergenceException;
import io.rsground.train.EpochLog;
import io.rsground.train.Trainer;
import io.rsground.train.TrainingRun;
import io.rsground.train.VisionPretraining;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rsground train}: the reference's training options in kebab-case, with the reference's snake_case
 * spellings accepted as aliases so that existing command lines port unchanged.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train CLIP-VG on a DIOR-RSVG-layout folder (from pretrained CLIP weights, a CLIP-VG "
                + "checkpoint, or from scratch). Writes checkpoint/, best_checkpoint/, log.jsonl, loss.png, "
                + "metrics.png and train-config.json into the output folder.")
final class TrainCommand implements Callable<Integer> {
    static final int DIVERGED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"--data-root", "--data_root"}, required = true, paramLabel = "ROOT",
            description = "folder with JPEGImages/, Annotations/ and splits/")
    Path dataRoot;
    @Option(names = {"--splits", "--split-root", "--split_root"}, paramLabel = "DIR",
            description = "folder of train/val/test.txt (default: ROOT/splits)")
    Path splits;
    @Option(names = {"--output-dir", "--output_dir"}, required = true, paramLabel = "OUT")
    Path outputDir;
    @Option(names = "--preset", paramLabel = "NAME", description = "vit-b-16 (default), vit-b-32, vit-l-14, tiny")
    String preset;
    @Option(names = {"--model-config", "--model_config"}, paramLabel = "JSON")
    Path modelConfig;
    @Option(names = "--weights", paramLabel = "FILE|DIR", description = "initial weights: CLIP (OpenAI, OpenCLIP or "
            + "Hugging Face names), a CLIP-VG .pth, or an rsground checkpoint")
    Path weights;
    @Option(names = "--retrain", paramLabel = "DIR", description = "start from a checkpoint's weights only")
    Path retrain;
    @Option(names = "--resume", paramLabel = "CHECKPOINT", description = "continue a run from OUT/checkpoint")
    Path resume;
    @Option(names = "--bpe", paramLabel = "FILE|DIR", description = "CLIP BPE vocabulary (default: beside the "
            + "CLIP weights; without weights and --bpe, a word vocabulary is built from the training split)")
    Path bpe;
    @Option(names = "--recipe", paramLabel = "NAME", defaultValue = "reference",
            description = "training objective: reference (box loss) or referent (box loss plus where the referred "
                    + "object is, for training from scratch); default ${DEFAULT-VALUE}")
    String recipe;

    @Option(names = "--epochs", defaultValue = "110") int epochs;
    @Option(names = {"--batch-size", "--batch_size"}, defaultValue = "32") int batchSize;
    @Option(names = "--lr", defaultValue = "2.5e-4") double lr;
    @Option(names = {"--lr-clip", "--lr_clip"}, defaultValue = "-1",
            description = "rate of the CLIP towers' trainable parameters (default: --lr)")
    double lrClip;
    @Option(names = {"--weight-decay", "--weight_decay"}, defaultValue = "1e-4") double weightDecay;
    @Option(names = "--optimizer", defaultValue = "adamw", description = "adamw, adam, sgd, rmsprop")
    String optimizer;
    @Option(names = {"--lr-scheduler", "--lr_scheduler"}, defaultValue = "cosine",
            description = "cosine, step, poly, halfdecay, exponential")
    String lrScheduler;
    @Option(names = {"--lr-drop", "--lr_drop"}, defaultValue = "60") int lrDrop;
    @Option(names = {"--lr-power", "--lr_power"}, defaultValue = "0.9") double lrPower;
    @Option(names = {"--lr-exponential", "--lr_exponential"}, defaultValue = "0.9") double lrExponential;
    @Option(names = {"--warmup-epochs", "--warmup_epochs"}, defaultValue = "0") double warmupEpochs;
    @Option(names = {"--clip-max-norm", "--clip_max_norm"}, defaultValue = "0",
            description = "global gradient-norm limit (0: none)")
    double clipMaxNorm;
    @Option(names = {"--aug-crop", "--aug_crop"}) boolean augCrop;
    @Option(names = {"--aug-scale", "--aug_scale"}) boolean augScale;
    @Option(names = {"--aug-translate", "--aug_translate"}) boolean augTranslate;
    @Option(names = {"--aug-blur", "--aug_blur"}) boolean augBlur;
    @Option(names = {"--aug-hflip", "--aug_hflip"}, description = "horizontal flip, swapping left/right in the query")
    boolean augHflip;
    @Option(names = {"--aug-jitter", "--aug_jitter"}, negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "colour jitter of the training images, on by default as in the reference; --no-aug-jitter "
                    + "keeps colours as they are (needed to compute a frozen image tower's features once per image)")
    boolean augJitter;
    @Option(names = "--imsize", defaultValue = "0", description = "input side (default: the architecture's)")
    int imsize;
    @Option(names = {"--max-query-len", "--max_query_len"}, defaultValue = "0") int maxQueryLen;
    @Option(names = {"--vl-nheads", "--vl_nheads"}, defaultValue = "0") int vlNheads;
    @Option(names = {"--vl-hidden-dim", "--vl_hidden_dim"}, defaultValue = "0") int vlHiddenDim;
    @Option(names = {"--vl-enc-layers", "--vl_enc_layers"}, defaultValue = "0") int vlEncLayers;
    @Option(names = {"--vl-dim-feedforward", "--vl_dim_feedforward"}, defaultValue = "0") int vlDimFeedforward;
    @Option(names = {"--vl-dropout", "--vl_dropout"}, defaultValue = "-1") double vlDropout;
    @Option(names = "--freeze-clip", negatable = true,
            description = "freeze the CLIP towers except the visual positional embedding (default: frozen with "
                    + "pretrained weights, trained from scratch)")
    Boolean freezeClip;
    @Option(names = "--freeze-clip-fully", description = "freeze the CLIP towers entirely")
    boolean freezeClipFully;
    @Option(names = "--freeze-vision", description = "freeze the image tower entirely, train the rest (features "
            + "computed once per image when no augmentation is on)")
    boolean freezeVision;
    @Option(names = "--pretrain-vision", paramLabel = "MINUTES", defaultValue = "0", description = "first teach "
            + "the image tower the data set's objects from dense per-patch targets for this long (0: no)")
    double pretrainVisionMinutes;
    @Option(names = "--pretrain-vision-steps", paramLabel = "N", defaultValue = "0",
            description = "at most this many steps of that stage (0: no limit)")
    int pretrainVisionSteps;
    @Option(names = "--pretrain-vision-batch", paramLabel = "N", defaultValue = "0",
            description = "images per step of that stage (0: --batch-size)")
    int pretrainVisionBatch;
    @Option(names = "--pretrain-vision-lr", defaultValue = "3e-3", description = "peak rate of that stage")
    double pretrainVisionLr;
    @Option(names = "--referent-weight", defaultValue = "10", description = "referent recipe: weight of the "
            + "per-patch referent term")
    double referentWeight;
    @Option(names = "--attention-weight", defaultValue = "3", description = "referent recipe: weight of the "
            + "[REG] attention term")
    double attentionWeight;
    @Option(names = "--readout-weight", defaultValue = "1", description = "referent recipe: weight of the "
            + "readout term (the box loss had [REG] looked only at the referred object; 0: off)")
    double readoutWeight;
    @Option(names = "--match-weight", defaultValue = "10", description = "referent recipe: weight of the match "
            + "term (the query's end token picks the referred object's patches by cosine similarity; 0: off)")
    double matchWeight;
    @Option(names = "--text-layers", defaultValue = "0", description = "text-tower depth when training from "
            + "scratch (0: the architecture's; the demo recipe uses 1)")
    int textLayers;
    @Option(names = "--conv-stem", split = ",", paramLabel = "C1,C2,...", description = "from scratch: project the "
            + "image patches with 3x3 stride-2 convolutions of these channels, log2(patch size) of them, instead of "
            + "CLIP's linear map (the demo recipe uses 16,32,64,128)")
    java.util.List<Integer> convStem;
    @Option(names = "--replicas", defaultValue = "1", description = "copies of the model that compute the shards of "
            + "each step side by side, each on its share of the cores: faster for small models such as the tiny "
            + "preset (the demo uses 2); needs --vl-dropout 0")
    int replicas;
    @Option(names = "--seed", defaultValue = "13") long seed;
    @Option(names = {"--num-workers", "--num_workers"}, defaultValue = "2") int numWorkers;
    @Option(names = {"--loss-l1", "--loss_l1"}, defaultValue = "1") double lossL1;
    @Option(names = {"--loss-giou", "--loss_giou"}, defaultValue = "1") double lossGiou;
    @Option(names = "--minutes", defaultValue = "0", description = "wall-time budget: after the first epoch, "
            + "lower --epochs so that the run fits (0: no budget)")
    double minutes;
    @Option(names = "--log-every", defaultValue = "50", description = "batches between progress lines when not on "
            + "a terminal") int logEvery;

    TrainConfig toConfig() {
        return new TrainConfig(dataRoot.toString(), str(splits), outputDir.toString(), preset, str(modelConfig),
                str(weights), str(retrain), str(resume), str(bpe), recipe, epochs, batchSize, lr, lrClip,
                weightDecay, optimizer, lrScheduler, lrDrop, lrPower, lrExponential, warmupEpochs, clipMaxNorm,
                augCrop, augScale, augTranslate, augBlur, augHflip, imsize, maxQueryLen, vlNheads, vlHiddenDim,
                vlEncLayers, vlDimFeedforward, vlDropout, freezeClip, freezeClipFully, seed, numWorkers, lossL1,
                lossGiou, 0, logEvery, minutes, pretrainVisionMinutes, pretrainVisionSteps, pretrainVisionLr,
                freezeVision, referentWeight, attentionWeight, textLayers, readoutWeight, augJitter, convStem,
                matchWeight, replicas, pretrainVisionBatch);
    }

    static String str(Path p) {
        return p == null ? null : p.toString();
    }

    @Override
    public Integer call() throws Exception {
        return train(toConfig(), spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Runs a training configuration with progress display and Ctrl-C handling; shared with {@code demo}. */
    static int train(TrainConfig config, PrintWriter out, PrintWriter err) throws Exception {
        ProgressListener listener = new ProgressListener(out, config.logEvery());
        TrainingRun run = new TrainingRun(config, listener);
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            err.println("\nrsground train: stopping after this step and saving ...");
            err.flush();
            run.requestStop();
            try {
                finished.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "rsground-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            TrainingRun.Outcome outcome = run.run();
            listener.close();
            out.printf(Locale.ROOT, "%s after %d epochs; best validation Pr@0.5 %s; outputs in %s%n",
                    outcome.stopped() ? "stopped" : "finished", outcome.epochsCompleted(),
                    Double.isNaN(outcome.bestPr50()) ? "n/a" : String.format(Locale.ROOT, "%.2f%%",
                            100 * outcome.bestPr50()), config.outputDir());
            return Errors.OK;
        } catch (DivergenceException e) {
            listener.close();
            err.println("rsground train: " + e.getMessage());
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
        private long epochStart;
        private int samples;

        ProgressListener(PrintWriter out, int logEvery) {
            this.out = out;
            this.logEvery = logEvery;
        }

        @Override
        public void pretraining(int step, double fraction, Map<String, Double> terms) {
            if (bar == null) {
                // the stage runs on a time budget: the bar counts per cent of it
                bar = new Progress("vision pre-training", 100, "%", 10);
            }
            bar.extra(String.format(Locale.ROOT, "step %d, class accuracy %.1f%%, box L1 %.4f", step,
                    100 * terms.getOrDefault("class_accuracy", Double.NaN), terms.getOrDefault("box_l1", Double.NaN)));
            bar.progress((int) Math.round(100 * fraction), 100);
        }

        @Override
        public void pretrained(VisionPretraining.Result result) {
            close();
            out.printf(Locale.ROOT, "vision pre-training: %d steps on %d images in %.0f s, patch class accuracy "
                    + "%.1f%%, object box L1 %.4f%n", result.steps(), result.images(), result.seconds(),
                    100 * result.terms().getOrDefault("class_accuracy", Double.NaN),
                    result.terms().getOrDefault("box_l1", Double.NaN));
            if (!result.heldOut().isEmpty()) {
                out.printf(Locale.ROOT, "  on %.0f validation images it never saw: patch class accuracy %.1f%%, "
                        + "object box L1 %.4f%n", result.heldOut().get("images"),
                        100 * result.heldOut().getOrDefault("class_accuracy", Double.NaN),
                        result.heldOut().getOrDefault("box_l1", Double.NaN));
            }
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
                epochStart = System.nanoTime();
                samples = 0;
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
