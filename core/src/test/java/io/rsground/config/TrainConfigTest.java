package io.rsground.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Training settings: defaults written once, typed building, strict reading, the flat layout of older files. */
class TrainConfigTest {

    @Test
    void aConvolutionalStemOnlyAppliesFromScratch() {
        TrainConfig scratch = TrainConfig.builder().convStem(List.of(16, 32, 64, 128)).build();
        assertThat(scratch.model().convStem()).containsExactly(16, 32, 64, 128);
        assertThat(TrainConfig.fromJson(scratch.toJson()).model().convStem()).containsExactly(16, 32, 64, 128);
        assertThat(TrainConfig.DEFAULTS.model().convStem()).isEmpty();
        assertThatThrownBy(() -> scratch.toBuilder().weights("clip.safetensors").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("--conv-stem")
                .hasMessageContaining("from scratch");
    }

    @Test
    void textLayersOnlyApplyFromScratch() {
        TrainConfig scratch = TrainConfig.builder().textLayers(2).build();
        assertThat(scratch.model().textLayers()).isEqualTo(2);
        assertThatThrownBy(() -> scratch.toBuilder().weights("clip.safetensors").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("--text-layers")
                .hasMessageContaining("from scratch");
        assertThatThrownBy(() -> scratch.toBuilder().textLayers(-1).build()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("at least 1");
        assertThat(TrainConfig.fromJson(scratch.toBuilder().textLayers(null).build().toJson()).model().textLayers())
                .as("not given: the architecture's own").isNull();
    }

    @Test
    void aRoundTripThroughJsonKeepsEverySetting() {
        TrainConfig c = TrainConfig.builder().dataRoot("data").out("out").preset("tiny").imsize(64).epochs(3)
                .batchSize(8).lr(1e-3).lrClip(1e-5).augBlur(true).augJitter(false).trainable("freeze_vision")
                .lossWeight("match", 2).stageSetting("vision_pretraining", "steps", 12).timeBudgetMinutes(1.5)
                .build();
        assertThat(TrainConfig.fromJson(c.toJson())).isEqualTo(c);
        assertThat(c.loss()).containsEntry("l1", 1.0).containsEntry("giou", 1.0).containsEntry("match", 2.0);
        assertThat(c.recipe().stages().get("vision_pretraining")).containsEntry("steps", 12);
    }

    @Test
    void aPartialFileKeepsTheDefaultsItLeavesOut() {
        TrainConfig c = TrainConfig.fromJson("{\"optim\": {\"epochs\": 5}, \"loss\": {\"referent\": 10}}");
        assertThat(c.optim().epochs()).isEqualTo(5);
        assertThat(c.optim().lr()).isEqualTo(TrainConfig.DEFAULTS.optim().lr());
        assertThat(c.loss()).containsEntry("l1", 1.0).containsEntry("giou", 1.0).containsEntry("referent", 10.0);
    }

    @Test
    void wrongKeysAndValuesAreNamed() {
        assertThatThrownBy(() -> TrainConfig.fromJson("{\"optim\": {\"epoch\": 5}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("epoch");
        assertThatThrownBy(() -> TrainConfig.builder().batchSize(0).build()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("optim.batch_size must be at least 1, got 0");
        assertThatThrownBy(() -> TrainConfig.builder().lossWeight("match", -1).build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("loss.match");
        assertThatThrownBy(() -> TrainConfig.builder().trainable("frozen").build())
                .isInstanceOf(ConfigException.class).hasMessageContaining("optim.trainable");
    }

    @Test
    void everySetterOfTheBuilderNamesARealSetting() throws Exception {
        // a setter whose key were misspelt would make build() fail with an unknown key
        for (Method m : TrainConfigBuilder.class.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || m.getParameterCount() != 1
                    || m.getReturnType() != TrainConfigBuilder.class || m.getName().equals("merge")) {
                continue;
            }
            Class<?> type = m.getParameterTypes()[0];
            Object value = type == String.class ? valueForString(m.getName()) : type == int.class
                    || type == Integer.class ? 2 : type == long.class ? 2L : type == double.class
                    || type == Double.class ? 0.5 : type == boolean.class ? true : List.of(8, 16);
            TrainConfigBuilder b = TrainConfig.builder();
            m.invoke(b, value);
            assertThat(b.build()).as(m.getName()).isNotNull();
        }
    }

    private static String valueForString(String setter) {
        return switch (setter) {
            case "trainable" -> "all";
            case "optimizer" -> "sgd";
            case "lrScheduler" -> "poly";
            case "recipeName" -> "mine";
            default -> "x";
        };
    }

    @Test
    void theFlatLayoutOfOlderVersionsReadsWithATermItLacksOff() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode older = json.createObjectNode();
        older.put("data_root", "data").put("output_dir", "out").put("preset", "tiny").put("recipe", "referent")
                .put("epochs", 7).put("batch_size", 16).put("lr", 1e-3).put("lr_clip", -1).put("imsize", 0)
                .put("vl_dropout", -1).put("loss_l1", 10).put("loss_giou", 4).put("referent_weight", 10)
                .put("attention_weight", 3).put("readout_weight", 1).put("freeze_vision", true)
                .put("pretrain_vision_steps", 50).put("pretrain_vision_batch", 0).put("aug_crop", false);
        TrainConfig c = TrainConfig.fromJson(json.writeValueAsString(older));
        assertThat(c.run().out()).isEqualTo("out");
        assertThat(c.optim().epochs()).isEqualTo(7);
        assertThat(c.optim().lrClip()).as("-1: the same as lr").isNull();
        assertThat(c.optim().trainable()).isEqualTo("freeze_vision");
        assertThat(c.model().imsize()).isNull();
        assertThat(c.model().vlDropout()).isNull();
        assertThat(c.augment().crop()).isFalse();
        assertThat(c.loss()).containsEntry("l1", 10.0).containsEntry("giou", 4.0).containsEntry("referent", 10.0)
                .containsEntry("readout", 1.0);
        assertThat(c.lossWeight("match")).as("the match term did not exist yet").isZero();
        assertThat(c.recipe().stages().get("vision_pretraining")).containsEntry("steps", 50)
                .containsEntry("batch", 16);
    }
}
