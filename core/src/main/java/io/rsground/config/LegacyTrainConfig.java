package io.rsground.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the flat {@code train-config.json} of earlier versions (one object of snake_case keys such as {@code
 * data_root}, {@code batch_size}, {@code pretrain_vision_minutes}) into today's nested settings, so that an older
 * run can be repeated. A weight the flat file lacks is 0: its term did not exist when the file was written.
 */
final class LegacyTrainConfig {
    private LegacyTrainConfig() {
    }

    /** @return true for the flat layout */
    static boolean isFlat(ObjectNode tree) {
        return tree.has("data_root") || tree.has("output_dir");
    }

    static TrainConfigBuilder convert(ObjectNode f) {
        TrainConfigBuilder b = TrainConfig.builder().dataRoot(text(f, "data_root")).splitsDir(text(f, "splits_dir"))
                .out(text(f, "output_dir")).resume(text(f, "resume")).preset(text(f, "preset"))
                .modelConfig(text(f, "model_config")).weights(text(f, "weights")).retrain(text(f, "retrain"))
                .bpe(text(f, "bpe"));
        int batch = f.path("batch_size").asInt(32);
        b.seed(f.path("seed").asLong(13)).numWorkers(f.path("num_workers").asInt(2))
                .evalBatchSize(f.path("eval_batch_size").asInt(0) < 1 ? batch : f.get("eval_batch_size").asInt())
                .logEvery(Math.max(1, f.path("log_every").asInt(50)))
                .timeBudgetMinutes(f.path("time_budget_minutes").asDouble(0));
        b.imsize(positive(f, "imsize")).maxQueryLen(positive(f, "max_query_len")).vlNheads(positive(f, "vl_nheads"))
                .vlHiddenDim(positive(f, "vl_hidden_dim")).vlEncLayers(positive(f, "vl_enc_layers"))
                .vlDimFeedforward(positive(f, "vl_dim_feedforward")).textLayers(positive(f, "text_layers"))
                .vlDropout(f.path("vl_dropout").asDouble(-1) < 0 ? null : f.get("vl_dropout").asDouble())
                .convStem(integers(f.path("conv_stem")));
        b.epochs(f.path("epochs").asInt(110)).batchSize(batch).optimizer(f.path("optimizer").asText("adamw"))
                .lr(f.path("lr").asDouble(2.5e-4))
                .lrClip(f.path("lr_clip").asDouble(-1) < 0 ? null : f.get("lr_clip").asDouble())
                .weightDecay(f.path("weight_decay").asDouble(1e-4)).clipMaxNorm(f.path("clip_max_norm").asDouble(0))
                .trainable(trainable(f)).replicas(Math.max(1, f.path("replicas").asInt(1)));
        b.lrScheduler(f.path("lr_scheduler").asText("cosine")).lrDrop(f.path("lr_drop").asInt(60))
                .lrPower(f.path("lr_power").asDouble(0.9)).lrExponential(f.path("lr_exponential").asDouble(0.9))
                .warmupEpochs(f.path("warmup_epochs").asDouble(0));
        b.augCrop(f.path("aug_crop").asBoolean(true)).augScale(f.path("aug_scale").asBoolean(true))
                .augTranslate(f.path("aug_translate").asBoolean(true)).augBlur(f.path("aug_blur").asBoolean(false))
                .augHflip(f.path("aug_hflip").asBoolean(false)).augJitter(f.path("aug_jitter").asBoolean(true));
        b.lossWeight("l1", f.path("loss_l1").asDouble(1)).lossWeight("giou", f.path("loss_giou").asDouble(1));
        String recipe = f.path("recipe").asText("reference");
        b.recipeName(recipe);
        if (recipe.equals("referent")) {
            for (String term : List.of("referent", "attention", "readout", "match")) {
                b.lossWeight(term, f.path(term + "_weight").asDouble(0));
            }
        }
        double minutes = f.path("pretrain_vision_minutes").asDouble(0);
        int steps = f.path("pretrain_vision_steps").asInt(0);
        if (minutes > 0 || steps > 0) {
            int stageBatch = f.path("pretrain_vision_batch").asInt(0);
            b.stageSetting("vision_pretraining", "minutes", minutes).stageSetting("vision_pretraining", "steps", steps)
                    .stageSetting("vision_pretraining", "lr", f.path("pretrain_vision_lr").asDouble(3e-3))
                    .stageSetting("vision_pretraining", "batch", stageBatch > 0 ? stageBatch : batch);
        }
        return b;
    }

    private static String trainable(JsonNode f) {
        if (f.path("freeze_clip_fully").asBoolean(false)) {
            return "freeze_clip_fully";
        }
        if (f.path("freeze_vision").asBoolean(false)) {
            return "freeze_vision";
        }
        JsonNode freeze = f.get("freeze_clip");
        return freeze == null || freeze.isNull() ? "auto" : freeze.asBoolean() ? "freeze_clip" : "all";
    }

    private static String text(JsonNode f, String key) {
        JsonNode v = f.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** @return the value when positive; null (the architecture's own) for the flat layout's 0 */
    private static Integer positive(JsonNode f, String key) {
        int v = f.path(key).asInt(0);
        return v > 0 ? v : null;
    }

    private static List<Integer> integers(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out.isEmpty() ? null : out;
    }
}
