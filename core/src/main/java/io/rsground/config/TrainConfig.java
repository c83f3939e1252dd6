package io.rsground.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a training run is asked to do, as a few nested records; written to the output folder as {@code
 * train-config.json} so that a run can be repeated exactly, and read back from such a file or from a recipe (a
 * partial one: what it leaves out keeps its default). Every default is written once, in {@link #DEFAULTS}; the
 * command line's defaults are read from there. JSON keys are snake_case ({@code optim.batch_size}).
 *
 * @param run data, output, seed, loader and logging
 * @param model where the architecture and the first weights come from, and how the architecture is reshaped
 * @param optim optimiser, batch, epochs and which parameters train
 * @param schedule the learning-rate schedule
 * @param augment training-image augmentations
 * @param loss each objective term's weight by name, summed in this order ({@code l1} and {@code giou} are the
 *     reference's box loss; a recipe adds terms by naming them)
 * @param recipe the recipe's name and the stages that run before the grounding epochs, by name, in order, each
 *     with its own settings
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainConfig(Run run, ModelSource model, Optimisation optim, Schedule schedule, Augmentation augment,
        Map<String, Double> loss, Recipe recipe) {

    /**
     * Data, output, seed, loader and logging.
     *
     * @param dataRoot DIOR-RSVG-layout folder
     * @param splitsDir folder of the split files, or null for {@code dataRoot/splits}
     * @param out where checkpoints, logs and plots go
     * @param resume a checkpoint to resume (model, optimizer, schedule, epoch, best score), or null
     * @param seed random seed
     * @param numWorkers loader threads
     * @param evalBatchSize samples per validation pass
     * @param logEvery batches between progress lines when not on a terminal
     * @param timeBudgetMinutes when positive, the run's wall-time budget: after the first epochs the number of
     *     epochs is lowered (never raised above {@code optim.epochs}) so that training and validation fit, and the
     *     schedule is laid over that number (the stages count against it); 0: none
     * @param selection a measurer's {@code reliability.jsonl} over the training labels, or null: with it, only the
     *     labels whose reliability reaches {@code minReliability} are trained on
     * @param minReliability the reliability a training label needs when {@code selection} is given, in [0, 1]
     * @param imageFeatures a folder of the frozen image tower's features ({@code rsground spark features}) read
     *     instead of computed, or null
     * @param budgetWholeEpochs with a time budget, the first epochs that it cannot end within (each of them trains on
     *     every sample); later epochs end at the step the budget runs out in. 0: any epoch can end early
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Run(String dataRoot, String splitsDir, String out, String resume, long seed, int numWorkers,
            int evalBatchSize, int logEvery, double timeBudgetMinutes, String selection, double minReliability,
            String imageFeatures, int budgetWholeEpochs) {
        static final Run DEFAULTS = new Run(null, null, null, null, 13, 2, 32, 50, 0, null, 0, null, 0);

        /** Checks the values. */
        public Run {
            Checks.atLeast("run.num_workers", numWorkers, 0);
            Checks.atLeast("run.eval_batch_size", evalBatchSize, 1);
            Checks.atLeast("run.log_every", logEvery, 1);
            Checks.notNegative("run.time_budget_minutes", timeBudgetMinutes);
            Checks.notNegative("run.budget_whole_epochs", budgetWholeEpochs);
            if (!(minReliability >= 0 && minReliability <= 1)) {
                throw new ConfigException("run.min_reliability must be in [0, 1], got " + minReliability);
            }
        }
    }

    /**
     * The architecture and the first weights. The reshaping fields are null where the architecture's own value
     * stays.
     *
     * @param preset architecture preset, or null (then {@code modelConfig}, the checkpoint's, or vit-b-16)
     * @param modelConfig architecture file, or null
     * @param weights initial weights (CLIP in any naming, a CLIP-VG .pth, an rsground checkpoint), or null
     * @param retrain a checkpoint whose weights (only) start the run, or null
     * @param bpe CLIP BPE vocabulary, or null (then a word-level tokenizer is built from the training split, or the
     *     vocabulary is looked up beside CLIP weights)
     * @param imsize input side
     * @param maxQueryLen text positions
     * @param vlNheads fusion heads
     * @param vlHiddenDim fusion width
     * @param vlEncLayers fusion layers
     * @param vlDimFeedforward fusion feed-forward width
     * @param vlDropout fusion dropout
     * @param textLayers text-tower depth (from scratch only)
     * @param convStem channels of a convolutional stem that replaces CLIP's patch projection (from scratch only);
     *     empty for CLIP's projection
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelSource(String preset, String modelConfig, String weights, String retrain, String bpe,
            Integer imsize, Integer maxQueryLen, Integer vlNheads, Integer vlHiddenDim, Integer vlEncLayers,
            Integer vlDimFeedforward, Double vlDropout, Integer textLayers,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Integer> convStem) {
        static final ModelSource DEFAULTS = new ModelSource(null, null, null, null, null, null, null, null, null,
                null, null, null, null, null);

        /** Checks the values. */
        public ModelSource {
            convStem = convStem == null ? List.of() : List.copyOf(convStem);
            boolean pretrained = weights != null || retrain != null;
            if (!convStem.isEmpty() && pretrained) {
                throw new ConfigException("model.conv_stem (--conv-stem) replaces the image tower's patch projection, "
                        + "so it only applies when training from scratch, not with --weights or --retrain");
            }
            if (textLayers != null && pretrained) {
                throw new ConfigException("model.text_layers (--text-layers) reshapes the text tower, so it only "
                        + "applies when training from scratch, not with --weights or --retrain");
            }
            if (modelConfig != null && preset != null) {
                throw new ConfigException("give either --preset or --model-config, not both");
            }
            for (Integer v : new Integer[] {imsize, maxQueryLen, vlNheads, vlHiddenDim, vlEncLayers,
                    vlDimFeedforward, textLayers}) {
                if (v != null && v < 1) {
                    throw new ConfigException("model: architecture sizes must be at least 1, got " + v);
                }
            }
            if (vlDropout != null && !(vlDropout >= 0 && vlDropout < 1)) {
                throw new ConfigException("model.vl_dropout must be in [0, 1), got " + vlDropout);
            }
        }
    }

    /**
     * What trains and how.
     *
     * @param epochs epochs of the grounding stage
     * @param batchSize samples per step
     * @param optimizer adamw, adam, sgd or rmsprop
     * @param lr learning rate of everything outside the CLIP towers
     * @param lrClip learning rate of the CLIP towers' trainable parameters, or null for {@code lr}
     * @param weightDecay weight decay
     * @param clipMaxNorm global gradient-norm limit, 0 for none
     * @param trainable which parameters train: auto (CLIP frozen but for the visual positional embedding with
     *     pretrained weights, everything from scratch), all, freeze_clip, freeze_clip_fully, or freeze_vision (the
     *     image tower frozen entirely, its features then computed once per image when no augmentation is on)
     * @param replicas copies of the model that compute the shards of each step side by side, each on its share of
     *     the cores (for small models; needs a fusion dropout of 0); 0 or 1: one
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Optimisation(int epochs, int batchSize, String optimizer, double lr, Double lrClip,
            double weightDecay, double clipMaxNorm, String trainable, int replicas) {
        /** The values {@link #trainable} may take. */
        public static final List<String> TRAINABLE = List.of("auto", "all", "freeze_clip", "freeze_clip_fully",
                "freeze_vision");
        static final Optimisation DEFAULTS = new Optimisation(110, 32, "adamw", 2.5e-4, null, 1e-4, 0, "auto", 1);

        /** Checks the values. */
        public Optimisation {
            Checks.atLeast("optim.epochs", epochs, 1);
            Checks.atLeast("optim.batch_size", batchSize, 1);
            Checks.notNegative("optim.replicas", replicas);
            if (!(lr > 0)) {
                throw new ConfigException("optim.lr must be positive, got " + lr);
            }
            if (lrClip != null && !(lrClip >= 0)) {
                throw new ConfigException("optim.lr_clip must not be negative, got " + lrClip);
            }
            Checks.notNegative("optim.weight_decay", weightDecay);
            Checks.notNegative("optim.clip_max_norm", clipMaxNorm);
            if (!TRAINABLE.contains(trainable)) {
                throw new ConfigException("optim.trainable must be one of " + String.join(", ", TRAINABLE)
                        + ", got '" + trainable + "'");
            }
        }

        /** @return the CLIP towers' learning rate */
        public double clipLr() {
            return lrClip == null ? lr : lrClip;
        }
    }

    /**
     * The learning-rate schedule over the grounding epochs.
     *
     * @param kind cosine, step, poly, halfdecay or exponential
     * @param lrDrop epochs between drops (step)
     * @param lrPower exponent (poly)
     * @param lrExponential per-epoch factor (exponential)
     * @param warmupEpochs linear warm-up, in epochs (fractions allowed)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Schedule(String kind, int lrDrop, double lrPower, double lrExponential, double warmupEpochs) {
        static final Schedule DEFAULTS = new Schedule("cosine", 60, 0.9, 0.9, 0);

        /** Checks the values. */
        public Schedule {
            Checks.atLeast("schedule.lr_drop", lrDrop, 1);
            Checks.notNegative("schedule.warmup_epochs", warmupEpochs);
        }
    }

    /**
     * Training-image augmentations, the reference's (colour jitter is always on there).
     *
     * @param crop random crop branch
     * @param scale multi-scale resize
     * @param translate random paste position
     * @param blur Gaussian blur
     * @param hflip horizontal flip with left/right swapped in the query
     * @param jitter colour jitter
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Augmentation(boolean crop, boolean scale, boolean translate, boolean blur, boolean hflip,
            boolean jitter) {
        static final Augmentation DEFAULTS = new Augmentation(true, true, true, false, false, true);
    }

    /**
     * Where the settings came from, and the stages that run before the grounding epochs.
     *
     * @param name the recipe's name ("reference" for the reference's fine-tune)
     * @param stages each stage's settings by stage name, in running order ({@code vision_pretraining} is the
     *     from-scratch wing's); empty for none
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Recipe(String name, Map<String, Map<String, Object>> stages) {
        static final Recipe DEFAULTS = new Recipe("reference", Map.of());

        /** Keeps the stages' order. */
        public Recipe {
            if (name == null || name.isBlank()) {
                throw new ConfigException("recipe.name must not be empty");
            }
            stages = stages == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(stages));
        }
    }

    /** The reference's fine-tune (CLIP-VG fully supervised: AdamW, lr 2.5e-4, cosine, 110 epochs, L1 + GIoU). */
    public static final TrainConfig DEFAULTS = new TrainConfig(Run.DEFAULTS, ModelSource.DEFAULTS,
            Optimisation.DEFAULTS, Schedule.DEFAULTS, Augmentation.DEFAULTS, defaultLoss(), Recipe.DEFAULTS);

    private static Map<String, Double> defaultLoss() {
        Map<String, Double> loss = new LinkedHashMap<>();
        loss.put("l1", 1.0);
        loss.put("giou", 1.0);
        return loss;
    }

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** Checks what spans the parts. */
    public TrainConfig {
        Checks.required("run", run);
        Checks.required("model", model);
        Checks.required("optim", optim);
        Checks.required("schedule", schedule);
        Checks.required("augment", augment);
        Checks.required("recipe", recipe);
        loss = loss == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(loss));
        for (Map.Entry<String, Double> e : loss.entrySet()) {
            if (e.getValue() == null || !(e.getValue() >= 0)) {
                throw new ConfigException("loss." + e.getKey() + " must be a weight >= 0, got " + e.getValue());
            }
        }
    }

    /** @return a builder starting from these settings */
    public TrainConfigBuilder toBuilder() {
        return new TrainConfigBuilder(MAPPER.valueToTree(this));
    }

    /** @return a builder starting from {@link #DEFAULTS} */
    public static TrainConfigBuilder builder() {
        return DEFAULTS.toBuilder();
    }

    /** @return a term's weight, 0 when the objective has no such term */
    public double lossWeight(String term) {
        return loss.getOrDefault(term, 0.0);
    }

    /** @return the settings as indented JSON */
    public String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads settings written by {@link #toJson}, or a partial set of them laid over {@link #DEFAULTS} (a recipe),
     * or the flat layout of earlier versions ({@link LegacyTrainConfig}).
     *
     * @throws ConfigException naming the key that is unknown or wrong
     */
    public static TrainConfig fromJson(String json) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException("not a training configuration: " + e.getOriginalMessage(), e);
        }
        if (!(tree instanceof ObjectNode object)) {
            throw new ConfigException("a training configuration is a JSON object");
        }
        if (LegacyTrainConfig.isFlat(object)) {
            return LegacyTrainConfig.convert(object).build();
        }
        return new TrainConfigBuilder(MAPPER.valueToTree(DEFAULTS)).merge(object).build();
    }
}
