package io.rsground.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Settings built up one typed value at a time over a starting point (DJL's builder habit: every setter
 * compile-checked, the whole checked once in {@link #build}).
 */
public final class TrainConfigBuilder {
    private final ObjectNode tree;

    TrainConfigBuilder(ObjectNode tree) {
        this.tree = tree;
    }

    /**
     * Lays a partial configuration over this one: objects are merged key by key, anything else replaces.
     *
     * @param partial e.g. a recipe's JSON
     * @return this
     */
    public TrainConfigBuilder merge(ObjectNode partial) {
        mergeInto(tree, partial);
        return this;
    }

    private static void mergeInto(ObjectNode into, ObjectNode from) {
        from.fields().forEachRemaining(e -> {
            JsonNode mine = into.get(e.getKey());
            if (mine instanceof ObjectNode m && e.getValue() instanceof ObjectNode f) {
                mergeInto(m, f);
            } else {
                into.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    private TrainConfigBuilder set(String part, String key, Object value) {
        ObjectNode node = (ObjectNode) tree.get(part);
        node.set(key, TrainConfig.MAPPER.valueToTree(value));
        return this;
    }

    // run
    public TrainConfigBuilder dataRoot(String v) {
        return set("run", "data_root", v);
    }

    public TrainConfigBuilder splitsDir(String v) {
        return set("run", "splits_dir", v);
    }

    public TrainConfigBuilder out(String v) {
        return set("run", "out", v);
    }

    public TrainConfigBuilder resume(String v) {
        return set("run", "resume", v);
    }

    public TrainConfigBuilder seed(long v) {
        return set("run", "seed", v);
    }

    public TrainConfigBuilder numWorkers(int v) {
        return set("run", "num_workers", v);
    }

    public TrainConfigBuilder evalBatchSize(int v) {
        return set("run", "eval_batch_size", v);
    }

    public TrainConfigBuilder logEvery(int v) {
        return set("run", "log_every", v);
    }

    public TrainConfigBuilder timeBudgetMinutes(double v) {
        return set("run", "time_budget_minutes", v);
    }

    public TrainConfigBuilder selection(String v) {
        return set("run", "selection", v);
    }

    public TrainConfigBuilder minReliability(double v) {
        return set("run", "min_reliability", v);
    }

    public TrainConfigBuilder imageFeatures(String v) {
        return set("run", "image_features", v);
    }

    public TrainConfigBuilder budgetWholeEpochs(int v) {
        return set("run", "budget_whole_epochs", v);
    }

    // model
    public TrainConfigBuilder preset(String v) {
        return set("model", "preset", v);
    }

    public TrainConfigBuilder modelConfig(String v) {
        return set("model", "model_config", v);
    }

    public TrainConfigBuilder weights(String v) {
        return set("model", "weights", v);
    }

    public TrainConfigBuilder retrain(String v) {
        return set("model", "retrain", v);
    }

    public TrainConfigBuilder bpe(String v) {
        return set("model", "bpe", v);
    }

    public TrainConfigBuilder imsize(Integer v) {
        return set("model", "imsize", v);
    }

    public TrainConfigBuilder maxQueryLen(Integer v) {
        return set("model", "max_query_len", v);
    }

    public TrainConfigBuilder vlNheads(Integer v) {
        return set("model", "vl_nheads", v);
    }

    public TrainConfigBuilder vlHiddenDim(Integer v) {
        return set("model", "vl_hidden_dim", v);
    }

    public TrainConfigBuilder vlEncLayers(Integer v) {
        return set("model", "vl_enc_layers", v);
    }

    public TrainConfigBuilder vlDimFeedforward(Integer v) {
        return set("model", "vl_dim_feedforward", v);
    }

    public TrainConfigBuilder vlDropout(Double v) {
        return set("model", "vl_dropout", v);
    }

    public TrainConfigBuilder textLayers(Integer v) {
        return set("model", "text_layers", v);
    }

    public TrainConfigBuilder convStem(List<Integer> v) {
        return set("model", "conv_stem", v);
    }

    // optim
    public TrainConfigBuilder epochs(int v) {
        return set("optim", "epochs", v);
    }

    public TrainConfigBuilder batchSize(int v) {
        return set("optim", "batch_size", v);
    }

    public TrainConfigBuilder optimizer(String v) {
        return set("optim", "optimizer", v);
    }

    public TrainConfigBuilder lr(double v) {
        return set("optim", "lr", v);
    }

    public TrainConfigBuilder lrClip(Double v) {
        return set("optim", "lr_clip", v);
    }

    public TrainConfigBuilder weightDecay(double v) {
        return set("optim", "weight_decay", v);
    }

    public TrainConfigBuilder clipMaxNorm(double v) {
        return set("optim", "clip_max_norm", v);
    }

    /** @param v one of {@link Optimisation#TRAINABLE} */
    public TrainConfigBuilder trainable(String v) {
        return set("optim", "trainable", v);
    }

    public TrainConfigBuilder replicas(int v) {
        return set("optim", "replicas", v);
    }

    // schedule
    public TrainConfigBuilder lrScheduler(String v) {
        return set("schedule", "kind", v);
    }

    public TrainConfigBuilder lrDrop(int v) {
        return set("schedule", "lr_drop", v);
    }

    public TrainConfigBuilder lrPower(double v) {
        return set("schedule", "lr_power", v);
    }

    public TrainConfigBuilder lrExponential(double v) {
        return set("schedule", "lr_exponential", v);
    }

    public TrainConfigBuilder warmupEpochs(double v) {
        return set("schedule", "warmup_epochs", v);
    }

    // augment
    public TrainConfigBuilder augCrop(boolean v) {
        return set("augment", "crop", v);
    }

    public TrainConfigBuilder augScale(boolean v) {
        return set("augment", "scale", v);
    }

    public TrainConfigBuilder augTranslate(boolean v) {
        return set("augment", "translate", v);
    }

    public TrainConfigBuilder augBlur(boolean v) {
        return set("augment", "blur", v);
    }

    public TrainConfigBuilder augHflip(boolean v) {
        return set("augment", "hflip", v);
    }

    public TrainConfigBuilder augJitter(boolean v) {
        return set("augment", "jitter", v);
    }

    /** Turns crop, scale and translate off (jitter stays as it is). */
    public TrainConfigBuilder noGeometricAugmentation() {
        return augCrop(false).augScale(false).augTranslate(false);
    }

    // loss
    /** Sets a term's weight (0 switches it off; the box terms are computed for the log all the same). */
    public TrainConfigBuilder lossWeight(String term, double weight) {
        return set("loss", term, weight);
    }

    // recipe
    public TrainConfigBuilder recipeName(String v) {
        return set("recipe", "name", v);
    }

    /**
     * Sets one setting of a stage, creating the stage (after the others) when it is new.
     *
     * @param stage the stage's name, e.g. {@code vision_pretraining}
     * @param key the setting, e.g. {@code steps}
     * @param value its value
     */
    public TrainConfigBuilder stageSetting(String stage, String key, Object value) {
        ObjectNode stages = (ObjectNode) tree.get("recipe").get("stages");
        if (!(stages.get(stage) instanceof ObjectNode)) {
            stages.set(stage, TrainConfig.MAPPER.createObjectNode());
        }
        ((ObjectNode) stages.get(stage)).set(key, TrainConfig.MAPPER.valueToTree(value));
        return this;
    }

    /** Removes a stage. */
    public TrainConfigBuilder withoutStage(String stage) {
        ((ObjectNode) tree.get("recipe").get("stages")).remove(stage);
        return this;
    }

    /**
     * @return the checked configuration
     * @throws ConfigException naming the first key that is unknown or wrong
     */
    public TrainConfig build() {
        try {
            return TrainConfig.MAPPER.treeToValue(tree, TrainConfig.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            // Jackson wraps the records' own complaints; the caller wants those
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ConfigException c) {
                    throw c;
                }
            }
            String message = e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                    ? j.getOriginalMessage() : e.getMessage();
            throw new ConfigException("training configuration: " + message, e);
        }
    }
}
