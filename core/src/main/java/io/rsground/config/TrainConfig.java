package io.rsground.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Everything a training run was asked to do, as parsed once from the command line; written to the output folder
 * as {@code train-config.json} so that a run can be repeated exactly. Paths are strings to keep the JSON plain.
 *
 * @param dataRoot DIOR-RSVG-layout folder
 * @param splitsDir folder of the split files, or null for {@code dataRoot/splits}
 * @param outputDir where checkpoints, logs and plots go
 * @param preset architecture preset, or null
 * @param modelConfig architecture file, or null
 * @param weights initial weights (CLIP in any naming, a CLIP-VG .pth, an rsground checkpoint), or null
 * @param retrain a checkpoint whose weights (only) start the run, or null
 * @param resume a checkpoint to resume (model, optimizer, schedule, epoch, best score), or null
 * @param bpe CLIP BPE vocabulary, or null (then a word-level tokenizer is built from the training split, or the
 *     vocabulary is looked up beside CLIP weights)
 * @param recipe the training objective: "reference" (the box loss) or "referent" (the box loss with referent and
 *     attention terms, for training from scratch)
 * @param epochs epochs
 * @param batchSize samples per step
 * @param lr learning rate of everything outside the CLIP towers
 * @param lrClip learning rate of the CLIP towers' trainable parameters (negative: same as lr)
 * @param weightDecay weight decay
 * @param optimizer adamw, adam, sgd or rmsprop
 * @param lrScheduler cosine, step, poly, halfdecay or exponential
 * @param lrDrop epochs between drops (step)
 * @param lrPower exponent (poly)
 * @param lrExponential per-epoch factor (exponential)
 * @param warmupEpochs linear warm-up, in epochs (fractions allowed)
 * @param clipMaxNorm global gradient-norm limit, 0 for none
 * @param augCrop random crop branch
 * @param augScale multi-scale resize
 * @param augTranslate random paste position
 * @param augBlur Gaussian blur
 * @param augHflip horizontal flip with left/right swapped in the query
 * @param imsize input side, or 0 to keep the architecture's
 * @param maxQueryLen text positions, or 0 to keep the architecture's
 * @param vlNheads fusion heads, or 0 to keep
 * @param vlHiddenDim fusion width, or 0 to keep
 * @param vlEncLayers fusion layers, or 0 to keep
 * @param vlDimFeedforward fusion feed-forward width, or 0 to keep
 * @param vlDropout fusion dropout, or negative to keep
 * @param freezeClip true/false, or null for the default (frozen with pretrained CLIP weights, trained from scratch)
 * @param freezeClipFully freeze the CLIP towers entirely, the visual positional embedding included
 * @param seed random seed
 * @param numWorkers loader threads
 * @param lossL1 weight of the L1 term
 * @param lossGiou weight of the GIoU term
 * @param evalBatchSize samples per validation pass
 * @param logEvery batches between progress lines when not on a terminal
 * @param timeBudgetMinutes when positive, the run's wall-time budget: after the first epoch the number of epochs
 *     is lowered (never raised above {@code epochs}) so that training and validation fit the budget, and the
 *     schedule is laid over that number (vision pre-training counts against it)
 * @param pretrainVisionMinutes when positive, stage 1 of the staged recipe: the image tower first learns the data
 *     set's objects from dense per-patch targets for this long (see {@code VisionPretraining})
 * @param pretrainVisionSteps when positive, the most steps of that stage
 * @param pretrainVisionLr peak learning rate of that stage
 * @param freezeVision freeze the image tower entirely and train the rest (its features are then computed once
 *     per image when no augmentation is on)
 * @param referentWeight weight of the per-patch referent term of the "referent" recipe
 * @param attentionWeight weight of the [REG] attention term of the "referent" recipe
 * @param textLayers text-tower depth when training from scratch, or 0 to keep the architecture's
 * @param readoutWeight weight of the readout term of the "referent" recipe (the box loss of the boxes [REG] would
 *     give if it looked only at the referred object in the last fusion layer)
 * @param augJitter colour jitter of the training images (the reference's, always on there); null means on
 * @param convStem when not empty, the image tower trained from scratch projects its patches with a
 *     convolutional stem of these channels ({@code vision.conv_stem}) instead of CLIP's linear map
 * @param matchWeight weight of the match term of the "referent" recipe (the query's end token picks the referred
 *     object's patches by cosine similarity at the fusion encoder's input); a configuration written before the
 *     term existed reads as 0, so a resumed run trains as it did
 * @param replicas copies of the model that compute the shards of each step side by side, each on its share of the
 *     cores (for small models, whose operations are too small to spread over the cores; needs a fusion dropout of
 *     0); 0 or 1: one
 * @param pretrainVisionBatch images per step of vision pre-training; 0: {@code batchSize}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainConfig(
        String dataRoot, String splitsDir, String outputDir,
        String preset, String modelConfig, String weights, String retrain, String resume, String bpe, String recipe,
        int epochs, int batchSize, double lr, double lrClip, double weightDecay, String optimizer,
        String lrScheduler, int lrDrop, double lrPower, double lrExponential, double warmupEpochs,
        double clipMaxNorm,
        boolean augCrop, boolean augScale, boolean augTranslate, boolean augBlur, boolean augHflip,
        int imsize, int maxQueryLen, int vlNheads, int vlHiddenDim, int vlEncLayers, int vlDimFeedforward,
        double vlDropout,
        Boolean freezeClip, boolean freezeClipFully, long seed, int numWorkers, double lossL1, double lossGiou,
        int evalBatchSize, int logEvery, double timeBudgetMinutes,
        double pretrainVisionMinutes, int pretrainVisionSteps, double pretrainVisionLr, boolean freezeVision,
        double referentWeight, double attentionWeight, int textLayers, double readoutWeight, Boolean augJitter,
        java.util.List<Integer> convStem, double matchWeight, int replicas, int pretrainVisionBatch) {

    public TrainConfig {
        convStem = convStem == null ? java.util.List.of() : java.util.List.copyOf(convStem);
        if (!convStem.isEmpty() && (weights != null || retrain != null)) {
            throw new ConfigException("--conv-stem replaces the image tower's patch projection, so it only applies "
                    + "when training from scratch, not with --weights or --retrain");
        }
        if (epochs < 1) {
            throw new ConfigException("epochs must be at least 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new ConfigException("batch_size must be at least 1, got " + batchSize);
        }
        if (!(lr > 0)) {
            throw new ConfigException("lr must be positive, got " + lr);
        }
        if (weightDecay < 0) {
            throw new ConfigException("weight_decay must not be negative, got " + weightDecay);
        }
        if (numWorkers < 0) {
            throw new ConfigException("num_workers must not be negative, got " + numWorkers);
        }
        if (clipMaxNorm < 0) {
            throw new ConfigException("clip_max_norm must not be negative, got " + clipMaxNorm);
        }
        if (modelConfig != null && preset != null) {
            throw new ConfigException("give either --preset or --model-config, not both");
        }
        if (evalBatchSize < 1) {
            evalBatchSize = batchSize;
        }
        if (logEvery < 1) {
            logEvery = 50;
        }
        if (recipe == null || recipe.isBlank()) {
            recipe = "reference";
        }
        if (pretrainVisionMinutes < 0 || pretrainVisionSteps < 0) {
            throw new ConfigException("pretrain_vision_minutes and pretrain_vision_steps must not be negative, got "
                    + pretrainVisionMinutes + " and " + pretrainVisionSteps);
        }
        if (!(pretrainVisionLr > 0)) {
            pretrainVisionLr = 3e-3;
        }
        if (referentWeight < 0 || attentionWeight < 0 || readoutWeight < 0 || matchWeight < 0) {
            throw new ConfigException("referent_weight, attention_weight, readout_weight and match_weight must not "
                    + "be negative, got " + referentWeight + ", " + attentionWeight + ", " + readoutWeight + " and "
                    + matchWeight);
        }
        if (textLayers < 0) {
            throw new ConfigException("text_layers must not be negative, got " + textLayers);
        }
        if (textLayers > 0 && (weights != null || retrain != null)) {
            throw new ConfigException("--text-layers reshapes the text tower, so it only applies when training from "
                    + "scratch, not with --weights or --retrain");
        }
        if (augJitter == null) {
            augJitter = true;
        }
        if (pretrainVisionBatch < 0) {
            throw new ConfigException("pretrain_vision_batch must not be negative, got " + pretrainVisionBatch);
        }
        if (replicas < 0) {
            throw new ConfigException("replicas must not be negative, got " + replicas);
        }
        if (freezeVision && freezeClip != null && !freezeClip) {
            throw new ConfigException("--freeze-vision and --no-freeze-clip contradict each other");
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER =
            new com.fasterxml.jackson.databind.ObjectMapper()
                    .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    /**
     * The reference's defaults (CLIP-VG fully supervised: AdamW, lr 2.5e-4, weight decay 1e-4, cosine, 110 epochs,
     * crop/scale/translate augmentation) for a data folder and an output folder.
     */
    public static TrainConfig defaults(String dataRoot, String outputDir) {
        return new TrainConfig(dataRoot, null, outputDir, null, null, null, null, null, null, "reference",
                110, 32, 2.5e-4, -1, 1e-4, "adamw", "cosine", 60, 0.9, 0.9, 0, 0,
                true, true, true, false, false, 0, 0, 0, 0, 0, 0, -1,
                null, false, 13, 2, 1, 1, 0, 50, 0, 0, 0, 3e-3, false, 10, 3, 0, 1, true, java.util.List.of(),
                10, 1, 0);
    }

    /**
     * @param field a field name in the JSON spelling (e.g. "batch_size")
     * @param value its new value
     * @return a copy with that field changed (validated again)
     */
    public TrainConfig with(String field, Object value) {
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> map = MAPPER.convertValue(this, java.util.Map.class);
        if (!map.containsKey(field)) {
            throw new ConfigException("unknown training setting '" + field + "'");
        }
        map.put(field, value);
        try {
            return MAPPER.convertValue(map, TrainConfig.class);
        } catch (IllegalArgumentException e) {
            // Jackson wraps the constructor's own complaint; the caller wants that one
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ConfigException c) {
                    throw c;
                }
            }
            throw e;
        }
    }

    /** @return the settings as indented JSON */
    public String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the settings read back from {@link #toJson()} */
    public static TrainConfig fromJson(String json) {
        try {
            return MAPPER.readValue(json, TrainConfig.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException("not a training configuration: " + e.getOriginalMessage(), e);
        }
    }
}
