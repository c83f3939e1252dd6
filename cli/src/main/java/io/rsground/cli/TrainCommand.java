package io.rsground.cli;

import io.rsground.config.TrainConfig;
import io.rsground.config.TrainConfigBuilder;
import io.rsground.data.GroundingDataset;
import io.rsground.data.Sample;
import io.rsground.train.Curriculum;
import io.rsground.train.CurriculumThresholds;
import io.rsground.train.Recipes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rsground train}: the reference's training options in kebab-case, with the reference's snake_case
 * spellings accepted as aliases so that existing command lines port unchanged. Settings come from the defaults
 * ({@link TrainConfig#DEFAULTS}), then the recipe ({@code --recipe}), then the options given on the command line; or
 * from an earlier run's {@code train-config.json} ({@code --config}), then the options given.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Train CLIP-VG on a DIOR-RSVG-layout folder (from pretrained CLIP weights, a CLIP-VG "
                + "checkpoint, or from scratch). Writes checkpoint/, best_checkpoint/, log.jsonl, loss.png, "
                + "metrics.png and train-config.json into the output folder.",
        footer = {"  ./rsground train --recipe demo --data-root demo-out/data --out runs/demo",
            "  ./rsground train --data-root DIOR-RSVG --out runs/b16 --preset vit-b-16 \\",
            "      --weights open_clip_model.safetensors \\",
            "      --bpe bpe_simple_vocab_16e6.txt.gz",
            "  ./rsground train --config runs/demo/train-config.json \\",
            "      --out runs/demo-seed2 --seed 2",
            "  # from scratch: the reference recipe is a fine-tune and stays near 0%% Pr@0.5;",
            "  # --recipe demo is the recipe that trains from scratch"})
final class TrainCommand implements Callable<Integer> {
    private static final TrainConfig D = TrainConfig.DEFAULTS;
    private static final String STAGE = "vision_pretraining";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"--data-root", "--data_root"}, paramLabel = "ROOT",
            description = "folder with JPEGImages/, Annotations/ and splits/ (required unless --config gives it)")
    Path dataRoot;
    @Option(names = {"--splits", "--split-root", "--split_root"}, paramLabel = "DIR",
            description = "folder of train/val/test.txt (default: ROOT/splits)")
    Path splits;
    @Option(names = "--out", paramLabel = "OUT", description = "output folder (required unless --config gives it)")
    Path out;
    @Option(names = {"--output-dir", "--output_dir"}, hidden = true, paramLabel = "OUT")
    Path outputDir;
    @Option(names = "--overwrite", description = "start anew in an output folder that holds an earlier run, "
            + "replacing its checkpoints and log (without it such a folder is refused)")
    boolean overwrite;
    @Option(names = "--recipe", paramLabel = "NAME|FILE", defaultValue = "reference",
            description = "settings laid over the defaults before the options given here: reference (the "
                    + "reference's fine-tune), referent (its objective terms for training from scratch), demo (the "
                    + "demo's whole recipe), or a JSON file of the train-config.json shape")
    String recipe;
    @Option(names = "--config", paramLabel = "FILE", description = "instead of --recipe, start from an earlier run's "
            + "settings: the train-config.json every run writes into its output folder (data root and output folder "
            + "included); the options given here change them")
    Path config;
    @Option(names = "--preset", paramLabel = "NAME", description = "vit-b-16 (default), vit-b-32, vit-l-14, tiny")
    String preset;
    @Option(names = {"--model-config", "--model_config"}, paramLabel = "JSON", description = "architecture file "
            + "instead of --preset (the model.json a run writes, or a CLIP config)")
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

    @Option(names = "--epochs", paramLabel = "N", description = "grounding epochs") int epochs = D.optim().epochs();
    @Option(names = {"--batch-size", "--batch_size"}, paramLabel = "N", description = "samples per step")
    int batchSize = D.optim().batchSize();
    @Option(names = "--lr", paramLabel = "RATE", description = "peak learning rate") double lr = D.optim().lr();
    @Option(names = {"--lr-clip", "--lr_clip"}, description = "rate of the CLIP towers' trainable parameters "
            + "(default: --lr)")
    Double lrClip;
    @Option(names = {"--weight-decay", "--weight_decay"}, paramLabel = "W", description = "decoupled weight decay")
    double weightDecay = D.optim().weightDecay();
    @Option(names = "--optimizer", description = "adamw, adam, sgd, rmsprop") String optimizer = D.optim().optimizer();
    @Option(names = {"--lr-scheduler", "--lr_scheduler"}, description = "cosine, step, poly, halfdecay, exponential")
    String lrScheduler = D.schedule().kind();
    @Option(names = {"--lr-drop", "--lr_drop"}, paramLabel = "EPOCH", description = "step schedule: the epoch "
            + "the rate drops tenfold") int lrDrop = D.schedule().lrDrop();
    @Option(names = {"--lr-power", "--lr_power"}, paramLabel = "P", description = "poly schedule: the power")
    double lrPower = D.schedule().lrPower();
    @Option(names = {"--lr-exponential", "--lr_exponential"}, paramLabel = "G", description = "exponential "
            + "schedule: the factor per epoch") double lrExponential = D.schedule().lrExponential();
    @Option(names = {"--warmup-epochs", "--warmup_epochs"}, paramLabel = "E", description = "linear warm-up of "
            + "the rate, in epochs (fractions allowed)") double warmupEpochs = D.schedule().warmupEpochs();
    @Option(names = {"--clip-max-norm", "--clip_max_norm"}, description = "global gradient-norm limit (0: none)")
    double clipMaxNorm = D.optim().clipMaxNorm();
    @Option(names = {"--aug-crop", "--aug_crop"}, negatable = true, description = "random crop of the training "
            + "images, keeping the referred object") boolean augCrop = D.augment().crop();
    @Option(names = {"--aug-scale", "--aug_scale"}, negatable = true, description = "random rescaling")
    boolean augScale = D.augment().scale();
    @Option(names = {"--aug-translate", "--aug_translate"}, negatable = true, description = "random shift inside "
            + "the padded square") boolean augTranslate = D.augment().translate();
    @Option(names = {"--aug-blur", "--aug_blur"}, negatable = true, description = "random Gaussian blur")
    boolean augBlur = D.augment().blur();
    @Option(names = {"--aug-hflip", "--aug_hflip"}, negatable = true,
            description = "horizontal flip, swapping left/right in the query")
    boolean augHflip = D.augment().hflip();
    @Option(names = {"--aug-jitter", "--aug_jitter"}, negatable = true, description = "colour jitter of the "
            + "training images, on as in the reference; --no-aug-jitter keeps colours as they are (needed to compute "
            + "a frozen image tower's features once per image)")
    boolean augJitter = D.augment().jitter();
    @Option(names = "--imsize", description = "input side (default: the architecture's)") Integer imsize;
    @Option(names = {"--max-query-len", "--max_query_len"}, paramLabel = "N", description = "query tokens kept "
            + "(default: the architecture's)") Integer maxQueryLen;
    @Option(names = {"--vl-nheads", "--vl_nheads"}, paramLabel = "N", description = "fusion encoder: attention "
            + "heads (default: the architecture's)") Integer vlNheads;
    @Option(names = {"--vl-hidden-dim", "--vl_hidden_dim"}, paramLabel = "N", description = "fusion encoder: "
            + "width (default: the architecture's)") Integer vlHiddenDim;
    @Option(names = {"--vl-enc-layers", "--vl_enc_layers"}, paramLabel = "N", description = "fusion encoder: "
            + "layers (default: the architecture's)") Integer vlEncLayers;
    @Option(names = {"--vl-dim-feedforward", "--vl_dim_feedforward"}, paramLabel = "N", description = "fusion "
            + "encoder: feed-forward width (default: the architecture's)") Integer vlDimFeedforward;
    @Option(names = {"--vl-dropout", "--vl_dropout"}, paramLabel = "P", description = "fusion encoder: dropout "
            + "(default: the architecture's; 0 for --replicas)") Double vlDropout;
    @Option(names = "--freeze-clip", negatable = true,
            description = "freeze the CLIP towers except the visual positional embedding (default: frozen with "
                    + "pretrained weights, trained from scratch)")
    Boolean freezeClip;
    @Option(names = "--freeze-clip-fully", description = "freeze the CLIP towers entirely")
    boolean freezeClipFully;
    @Option(names = "--freeze-vision", description = "freeze the image tower entirely, train the rest (features "
            + "computed once per image when no augmentation is on)")
    boolean freezeVision;
    @Option(names = "--pretrain-vision", paramLabel = "MINUTES", description = "first teach the image tower the "
            + "data set's objects from dense per-patch targets for this long (stage vision_pretraining)")
    double pretrainVisionMinutes;
    @Option(names = "--pretrain-vision-steps", paramLabel = "N", description = "that stage's steps")
    int pretrainVisionSteps;
    @Option(names = "--pretrain-vision-batch", paramLabel = "N", description = "images per step of that stage "
            + "(default: --batch-size)")
    int pretrainVisionBatch;
    @Option(names = "--pretrain-vision-lr", description = "peak rate of that stage (default: 3e-3)")
    double pretrainVisionLr;
    @Option(names = "--referent-weight", description = "weight of the per-patch referent term (recipe referent: 10)")
    double referentWeight;
    @Option(names = "--attention-weight", description = "weight of the [REG] attention term (recipe referent: 3)")
    double attentionWeight;
    @Option(names = "--readout-weight", description = "weight of the readout term: the box loss had [REG] looked "
            + "only at the referred object (recipe referent: 1)")
    double readoutWeight;
    @Option(names = "--match-weight", description = "weight of the match term: the query's end token picks the "
            + "referred object's patches by cosine similarity (recipe referent: 10)")
    double matchWeight;
    @Option(names = "--loss", paramLabel = "TERM=WEIGHT", description = "any objective term's weight, e.g. "
            + "--loss referent=5 (0 switches a term off)")
    Map<String, Double> lossTerms;
    @Option(names = "--text-layers", description = "text-tower depth when training from scratch (default: the "
            + "architecture's)")
    Integer textLayers;
    @Option(names = "--conv-stem", split = ",", paramLabel = "C1,C2,...", description = "from scratch: project the "
            + "image patches with 3x3 stride-2 convolutions of these channels, log2(patch size) of them, instead of "
            + "CLIP's linear map")
    List<Integer> convStem;
    @Option(names = "--replicas", description = "copies of the model that compute the shards of each step side by "
            + "side, each on its share of the cores: faster for small models (the demo uses 2); needs --vl-dropout 0")
    int replicas = D.optim().replicas();
    @Option(names = "--seed", description = "seed of the initial weights, the shuffling and the augmentations")
    long seed = D.run().seed();
    @Option(names = {"--num-workers", "--num_workers"}, paramLabel = "N", description = "image-loading threads")
    int numWorkers = D.run().numWorkers();
    @Option(names = {"--loss-l1", "--loss_l1"}, paramLabel = "W", description = "weight of the box L1 term")
    double lossL1 = D.lossWeight("l1");
    @Option(names = {"--loss-giou", "--loss_giou"}, paramLabel = "W", description = "weight of the box GIoU "
            + "term") double lossGiou = D.lossWeight("giou");
    @Option(names = "--eval-batch-size", description = "samples per validation pass")
    int evalBatchSize = D.run().evalBatchSize();
    @Option(names = "--minutes", description = "wall-time budget of the run: after the first epochs, lower "
            + "--epochs so that it fits (0: none)")
    double minutes = D.run().timeBudgetMinutes();
    @Option(names = "--select", paramLabel = "RELIABILITY.jsonl", description = "train only on the labels a measurer "
            + "finds reliable: the output of 'rsground reliability --split train' on this data set; or this data "
            + "set's pseudo.jsonl, to keep the labels whose detection the detector scored at least --min-reliability")
    Path select;
    @Option(names = "--min-reliability", paramLabel = "IOU", description = "with --select: the reliability a label "
            + "needs (default: 0.5)")
    double minReliability = 0.5;
    @Option(names = "--image-features", paramLabel = "DIR", description = "read the frozen image tower's features "
            + "from DIR (written by rsground spark features with the same weights) instead of computing them, "
            + "memory-mapped and read per batch (any size); needs --freeze-clip-fully or --freeze-vision and no "
            + "augmentation")
    Path imageFeatures;
    @Option(names = "--curriculum", paramLabel = "ssa|msa", description = "CLIP-VG's self-paced curriculum: a measurer "
            + "trained on every label scores each label's reliability, then models trained on the labels above each "
            + "threshold are scored on the search split, greedily (ssa); msa takes the sources of rsground pseudo "
            + "in turn, the selections accumulating; OUT holds one folder per stage")
    String curriculum;
    @Option(names = "--curriculum-thresholds", paramLabel = "H,H,...|keep:S,S,...", description = "the search's "
            + "candidates: reliabilities in [0, 1] (0 keeps every label), or keep: and the shares of the labels to "
            + "keep, most reliable first, turned into thresholds from each measurer's histogram (default: "
            + CurriculumThresholds.DEFAULT + ": every label, the control, then three quarters and half)")
    String curriculumThresholds = CurriculumThresholds.DEFAULT;
    @Option(names = "--curriculum-final-share", paramLabel = "F", description = "with --minutes: the part of the "
            + "budget (after the recipe's stages) kept for a final stage that continues the search's choice on its "
            + "labels, so that the chosen model gets most of the training time; 0 ends with the search's choice "
            + "(default: 0.5)")
    double curriculumFinalShare = 0.5;
    @Option(names = "--curriculum-final-labels", paramLabel = "chosen|all", description = "what the final stage "
            + "trains on: the search's choice of labels, or every label (the chosen ones then only come first) "
            + "(default: chosen)")
    String curriculumFinalLabels = "chosen";
    @Option(names = "--search-data-root", paramLabel = "ROOT", description = "with --curriculum: score the stages "
            + "on this data set's val split (human expressions) instead of the training data's own val split")
    Path searchDataRoot;
    @Option(names = "--log-every", description = "batches between progress lines when not on a terminal")
    int logEvery = D.run().logEvery();

    TrainConfig toConfig() throws Exception {
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        Path output = out != null ? out : outputDir;
        if (freezeVision && Boolean.FALSE.equals(freezeClip)) {
            throw new Errors.BadInputException("--freeze-vision and --no-freeze-clip contradict each other");
        }
        TrainConfigBuilder b = base(given);
        if (dataRoot != null) {
            b.dataRoot(dataRoot.toString());
        }
        if (splits != null) {
            b.splitsDir(splits.toString());
        }
        if (output != null) {
            b.out(output.toString());
        }
        Setter set = (option, apply) -> {
            if (given.hasMatchedOption(option)) {
                apply.run();
            }
        };
        set.when("--preset", () -> b.preset(preset).modelConfig(null));
        set.when("--model-config", () -> b.modelConfig(modelConfig.toString()).preset(null));
        set.when("--weights", () -> b.weights(weights.toString()));
        set.when("--retrain", () -> b.retrain(retrain.toString()));
        set.when("--resume", () -> b.resume(resume.toString()));
        set.when("--bpe", () -> b.bpe(bpe.toString()));
        optimisation(set, b);
        architecture(set, b);
        stageAndLoss(set, b);
        TrainConfig built = b.build();
        if (built.run().dataRoot() == null) {
            throw new Errors.BadInputException("give --data-root ROOT, the DIOR-RSVG-layout folder to train on");
        }
        if (built.run().out() == null) {
            throw new Errors.BadInputException("give --out OUT, the folder for checkpoints, logs and plots");
        }
        return built;
    }

    /** @return the settings the options are laid over: an earlier run's (--config), or a recipe over the defaults */
    private TrainConfigBuilder base(CommandLine.ParseResult given) throws Exception {
        if (config == null) {
            return Recipes.load(recipe);
        }
        if (given.hasMatchedOption("--recipe")) {
            throw new Errors.BadInputException("--config " + config + " holds a whole run's settings, its recipe's "
                    + "included: leave out --recipe");
        }
        if (!Files.isRegularFile(config)) {
            throw new Errors.BadInputException("--config " + config + ": no such file (expected a run's "
                    + "train-config.json)");
        }
        // the file is read as a recipe file is: the same keys, laid over the defaults
        return Recipes.load(config.toString());
    }

    private void optimisation(Setter set, TrainConfigBuilder b) {
        set.when("--epochs", () -> b.epochs(epochs));
        set.when("--batch-size", () -> b.batchSize(batchSize));
        set.when("--lr", () -> b.lr(lr));
        set.when("--lr-clip", () -> b.lrClip(lrClip));
        set.when("--weight-decay", () -> b.weightDecay(weightDecay));
        set.when("--optimizer", () -> b.optimizer(optimizer));
        set.when("--lr-scheduler", () -> b.lrScheduler(lrScheduler));
        set.when("--lr-drop", () -> b.lrDrop(lrDrop));
        set.when("--lr-power", () -> b.lrPower(lrPower));
        set.when("--lr-exponential", () -> b.lrExponential(lrExponential));
        set.when("--warmup-epochs", () -> b.warmupEpochs(warmupEpochs));
        set.when("--clip-max-norm", () -> b.clipMaxNorm(clipMaxNorm));
        set.when("--aug-crop", () -> b.augCrop(augCrop));
        set.when("--aug-scale", () -> b.augScale(augScale));
        set.when("--aug-translate", () -> b.augTranslate(augTranslate));
        set.when("--aug-blur", () -> b.augBlur(augBlur));
        set.when("--aug-hflip", () -> b.augHflip(augHflip));
        set.when("--aug-jitter", () -> b.augJitter(augJitter));
        set.when("--freeze-clip", () -> b.trainable(freezeClip ? "freeze_clip" : "all"));
        set.when("--freeze-vision", () -> b.trainable("freeze_vision"));
        set.when("--freeze-clip-fully", () -> b.trainable("freeze_clip_fully"));
        set.when("--replicas", () -> b.replicas(replicas));
        set.when("--seed", () -> b.seed(seed));
        set.when("--num-workers", () -> b.numWorkers(numWorkers));
        set.when("--eval-batch-size", () -> b.evalBatchSize(evalBatchSize));
        set.when("--minutes", () -> b.timeBudgetMinutes(minutes));
        set.when("--log-every", () -> b.logEvery(logEvery));
        set.when("--select", () -> b.selection(select.toString()).minReliability(minReliability));
        set.when("--image-features", () -> b.imageFeatures(imageFeatures.toString()));
    }

    private void architecture(Setter set, TrainConfigBuilder b) {
        set.when("--imsize", () -> b.imsize(imsize));
        set.when("--max-query-len", () -> b.maxQueryLen(maxQueryLen));
        set.when("--vl-nheads", () -> b.vlNheads(vlNheads));
        set.when("--vl-hidden-dim", () -> b.vlHiddenDim(vlHiddenDim));
        set.when("--vl-enc-layers", () -> b.vlEncLayers(vlEncLayers));
        set.when("--vl-dim-feedforward", () -> b.vlDimFeedforward(vlDimFeedforward));
        set.when("--vl-dropout", () -> b.vlDropout(vlDropout));
        set.when("--text-layers", () -> b.textLayers(textLayers));
        set.when("--conv-stem", () -> b.convStem(convStem));
    }

    private void stageAndLoss(Setter set, TrainConfigBuilder b) {
        set.when("--pretrain-vision", () -> b.stageSetting(STAGE, "minutes", pretrainVisionMinutes));
        set.when("--pretrain-vision-steps", () -> b.stageSetting(STAGE, "steps", pretrainVisionSteps));
        set.when("--pretrain-vision-batch", () -> b.stageSetting(STAGE, "batch", pretrainVisionBatch));
        set.when("--pretrain-vision-lr", () -> b.stageSetting(STAGE, "lr", pretrainVisionLr));
        set.when("--loss-l1", () -> b.lossWeight("l1", lossL1));
        set.when("--loss-giou", () -> b.lossWeight("giou", lossGiou));
        set.when("--referent-weight", () -> b.lossWeight("referent", referentWeight));
        set.when("--attention-weight", () -> b.lossWeight("attention", attentionWeight));
        set.when("--readout-weight", () -> b.lossWeight("readout", readoutWeight));
        set.when("--match-weight", () -> b.lossWeight("match", matchWeight));
        set.when("--loss", () -> lossTerms.forEach(b::lossWeight));
    }

    /** Applies an option's value to the settings when the option was given. */
    @FunctionalInterface
    private interface Setter {
        void when(String option, Runnable apply);
    }

    static String str(Path p) {
        return p == null ? null : p.toString();
    }

    @Override
    public Integer call() throws Exception {
        TrainConfig config = toConfig();
        if (curriculum == null) {
            if (searchDataRoot != null) {
                throw new Errors.BadInputException("--search-data-root goes with --curriculum");
            }
            return TrainingConsole.train(config, overwrite, spec.commandLine().getOut(), spec.commandLine().getErr());
        }
        Curriculum.Kind kind;
        try {
            kind = Curriculum.Kind.valueOf(curriculum.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Errors.BadInputException("--curriculum takes ssa (single source) or msa (the sources of "
                    + "rsground pseudo in turn), got '" + curriculum + "'");
        }
        if (select != null || resume != null) {
            throw new Errors.BadInputException("--curriculum chooses the labels and resumes its own stages: leave "
                    + "out --select and --resume (run the same command again to continue)");
        }
        List<Sample> search = searchDataRoot == null ? null : humanVal(searchDataRoot);
        String searchName = searchDataRoot == null ? "val (held-out training labels)" : "val of " + searchDataRoot;
        if (!curriculumFinalLabels.equals("chosen") && !curriculumFinalLabels.equals("all")) {
            throw new Errors.BadInputException("--curriculum-final-labels takes chosen or all, got '"
                    + curriculumFinalLabels + "'");
        }
        CurriculumThresholds thresholds = CurriculumThresholds.parse(curriculumThresholds);
        return TrainingConsole.curriculum((listener, log) -> new Curriculum(kind, config, thresholds, search,
                searchName, listener, log).replacingEarlierRun(overwrite).withFinalShare(curriculumFinalShare)
                .finalOnEveryLabel(curriculumFinalLabels.equals("all")), config, spec.commandLine().getOut(),
                spec.commandLine().getErr());
    }

    /** @return the val split of the data set the curriculum's stages are scored on, refused when empty */
    private static List<Sample> humanVal(Path root) throws Exception {
        List<Sample> val = GroundingDataset.open(root, null).split("val");
        if (val.isEmpty()) {
            throw new Errors.BadInputException("the val split of " + root + " is empty");
        }
        return val;
    }
}
