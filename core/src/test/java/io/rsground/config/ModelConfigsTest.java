package io.rsground.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigsTest {
    /** A small CLIP-shaped model.json with room for more top-level fields at {@code %s}. */
    private static final String SMALL_CLIP = """
            {"vision": {"image_size": 224, "patch_size": 16, "width": 128, "layers": 2, "heads": 2,
             "extract_layers": [0, 1]},
             "text": {"context_length": 77, "vocab_size": 49408, "width": 64, "layers": 2, "heads": 2},
             "embed_dim": 64,
             "fusion": {"hidden_dim": 64, "heads": 8, "ffn_dim": 128, "layers": 2, "dropout": 0.1},
             "max_query_len": 77%s}""";

    @Test
    void readsTheFixtureModelJson() {
        ModelConfig c = ModelConfigs.read(Fixtures.tiny("model.json"));
        assertThat(c.vision().width()).isEqualTo(128);
        assertThat(c.vision().extractLayers()).containsExactly(0, 3, 7, 11);
        assertThat(c.vision().numPatches()).isEqualTo(196);
        assertThat(c.vision().multiLevelWidth()).isEqualTo(512);
        assertThat(c.text().width()).isEqualTo(64);
        assertThat(c.embedDim()).isEqualTo(64);
        assertThat(c.fusion().heads()).isEqualTo(4);
        assertThat(c.fusion().ffnDim()).isEqualTo(128);
        // [REG] + 77 text + class token + 196 patches, as the reference's vl_pos_embed
        assertThat(c.fusionSequenceLength()).isEqualTo(275);
    }

    @Test
    void jsonRoundTripKeepsTheDocumentedShape(@TempDir Path dir) throws Exception {
        for (String preset : ModelConfigs.PRESETS) {
            ModelConfig c = ModelConfigs.preset(preset);
            Path f = dir.resolve(preset + ".json");
            ModelConfigs.write(c, f);
            assertThat(ModelConfigs.read(f)).isEqualTo(c);
            String json = Files.readString(f);
            assertThat(json).contains("\"image_size\"", "\"extract_layers\"", "\"context_length\"", "\"embed_dim\"",
                    "\"hidden_dim\"", "\"ffn_dim\"", "\"max_query_len\"", "\"quick_gelu\"")
                    .doesNotContain("fusion_sequence");
        }
    }

    @Test
    void presetsHaveRealClipSizes() {
        ModelConfig b16 = ModelConfigs.preset("vit-b-16");
        assertThat(b16.vision().numPatches()).isEqualTo(196);
        assertThat(b16.vision().multiLevelWidth()).isEqualTo(3072);
        assertThat(ModelConfigs.preset("vit-b-32").vision().numPatches()).isEqualTo(49);
        ModelConfig l14 = ModelConfigs.preset("vit-l-14");
        assertThat(l14.vision().numPatches()).isEqualTo(256);
        assertThat(l14.vision().extractLayers()).containsExactly(0, 7, 15, 23);
        assertThat(l14.fusion().hiddenDim()).isEqualTo(768);
    }

    @Test
    void unknownPresetListsTheKnownOnes() {
        assertThatThrownBy(() -> ModelConfigs.preset("vit-b16"))
                .hasMessage("unknown preset 'vit-b16'; known: vit-b-16, vit-b-32, vit-l-14, tiny");
    }

    @Test
    void invalidValuesNameTheFieldAndValues() {
        String base = """
                {"vision": {"image_size": 224, "patch_size": 16, "width": %d, "layers": 12, "heads": %d,
                 "extract_layers": %s},
                 "text": {"context_length": 77, "vocab_size": 49408, "width": 64, "layers": 12, "heads": 2},
                 "embed_dim": 64,
                 "fusion": {"hidden_dim": %d, "heads": 8, "ffn_dim": 128, "layers": 6, "dropout": %s},
                 "max_query_len": %d}""";
        assertThatThrownBy(() -> ModelConfigs.parse(base.formatted(500, 8, "[0, 3]", 64, "0.1", 77), "x.json"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("x.json").hasMessageContaining("vision.width 500 is not divisible by 8 heads");
        assertThatThrownBy(() -> ModelConfigs.parse(base.formatted(128, 2, "[0, 12]", 64, "0.1", 77), "x.json"))
                .hasMessageContaining("vision.extract_layers holds 12, outside 0..11");
        assertThatThrownBy(() -> ModelConfigs.parse(base.formatted(128, 2, "[3, 3]", 64, "0.1", 77), "x.json"))
                .hasMessageContaining("strictly increasing");
        assertThatThrownBy(() -> ModelConfigs.parse(base.formatted(128, 2, "[0]", 60, "0.1", 77), "x.json"))
                .hasMessageContaining("fusion.hidden_dim 60 is not divisible by 8 heads");
        assertThatThrownBy(() -> ModelConfigs.parse(base.formatted(128, 2, "[0]", 64, "1.5", 77), "x.json"))
                .hasMessageContaining("fusion.dropout must lie in [0, 1), got 1.5");
        assertThatThrownBy(() -> ModelConfigs.parse(base.formatted(128, 2, "[0]", 64, "0.1", 80), "x.json"))
                .hasMessageContaining("max_query_len 80 exceeds text.context_length 77");
    }

    @Test
    void missingAndUnknownFieldsAreNamed() {
        assertThatThrownBy(() -> ModelConfigs.parse("{\"vision\": {\"image_size\": 224}}", "m.json"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("m.json");
        assertThatThrownBy(() -> ModelConfigs.parse("{\"visoin\": {}}", "m.json"))
                .hasMessageContaining("unknown field 'visoin'");
        assertThatThrownBy(() -> ModelConfigs.parse("{\"vision\": ", "m.json"))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> ModelConfigs.read(Path.of("/nonexistent/model.json")))
                .hasMessageContaining("/nonexistent/model.json does not exist");
    }

    @Test
    void quickGeluIsClipsUnlessTheFileSaysOtherwise() {
        String base = SMALL_CLIP;
        // files without the field (CLIP-VG's, rsground's before it) mean CLIP's activation
        assertThat(ModelConfigs.parse(base.formatted(""), "a.json").quickGelu()).isTrue();
        assertThat(ModelConfigs.parse(base.formatted(", \"quick_gelu\": false"), "b.json").quickGelu()).isFalse();
        assertThatThrownBy(() -> ModelConfigs.parse(base.formatted(", \"quick_gelu\": \"no\""), "c.json"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("c.json").hasMessageContaining("quick_gelu");
        // OpenAI's weights were trained with QuickGELU; the from-scratch preset uses GELU
        for (String preset : List.of("vit-b-16", "vit-b-32", "vit-l-14")) {
            assertThat(ModelConfigs.preset(preset).quickGelu()).as(preset).isTrue();
        }
        assertThat(ModelConfigs.preset("tiny").quickGelu()).isFalse();
    }

    @Test
    void thePresenceHeadIsOptionalAndOffUnlessTheFileSaysSo(@TempDir Path dir) throws Exception {
        String base = SMALL_CLIP;
        // CLIP-VG's files and rsground's before the head have none
        assertThat(ModelConfigs.parse(base.formatted(""), "a.json").presenceHead()).isFalse();
        ModelConfig head = ModelConfigs.parse(base.formatted(", \"presence_head\": true"), "b.json");
        assertThat(head.presenceHead()).isTrue();
        Path f = dir.resolve("head.json");
        ModelConfigs.write(head, f);
        assertThat(ModelConfigs.read(f)).isEqualTo(head);
        assertThat(head.withPresenceHead(false)).isEqualTo(ModelConfigs.parse(base.formatted(""), "a.json"));
        assertThatThrownBy(() -> ModelConfigs.parse(base.formatted(", \"presence_head\": \"yes\""), "c.json"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("c.json")
                .hasMessageContaining("presence_head");
    }

    @Test
    void aConvolutionalStemIsOptionalAndMustMakeThePatchSize(@TempDir Path dir) throws Exception {
        String base = """
                {"vision": {"image_size": 128, "patch_size": 16, "width": 128, "layers": 2, "heads": 2,
                 "extract_layers": [0, 1]%s},
                 "text": {"context_length": 32, "vocab_size": 100, "width": 64, "layers": 1, "heads": 2},
                 "embed_dim": 64,
                 "fusion": {"hidden_dim": 64, "heads": 8, "ffn_dim": 128, "layers": 2, "dropout": 0.1},
                 "max_query_len": 32}""";
        // files without the field (CLIP's, rsground's before it) project patches linearly
        assertThat(ModelConfigs.parse(base.formatted(""), "a.json").vision().convStem()).isEmpty();
        ModelConfig stem = ModelConfigs.parse(base.formatted(", \"conv_stem\": [8, 16, 32, 64]"), "b.json");
        assertThat(stem.vision().convStem()).containsExactly(8, 16, 32, 64);
        Path f = dir.resolve("stem.json");
        ModelConfigs.write(stem, f);
        assertThat(ModelConfigs.read(f)).isEqualTo(stem);
        // four stride-2 convolutions make 16-px patches; three would make 8
        assertThatThrownBy(() -> ModelConfigs.parse(base.formatted(", \"conv_stem\": [8, 16, 32]"), "c.json"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("c.json")
                .hasMessageContaining("vision.conv_stem has 3 stride-2 convolutions, which make patches of 8 px, but"
                        + " vision.patch_size is 16");
        assertThatThrownBy(() -> ModelConfigs.parse(base.formatted(", \"conv_stem\": [8, 0, 32, 64]"), "d.json"))
                .hasMessageContaining("vision.conv_stem channels must be positive, got [8, 0, 32, 64]");
        // CLIP's presets write no stem at all, so their files read as before
        assertThat(ModelConfigs.toJson(ModelConfigs.preset("vit-b-16"))).doesNotContain("conv_stem");
    }

    @Test
    void configsAreImmutable() {
        ModelConfig c = ModelConfigs.preset("tiny");
        assertThatThrownBy(() -> c.vision().extractLayers().add(1)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(List.copyOf(c.vision().extractLayers())).isEqualTo(c.vision().extractLayers());
    }
}
