package io.rsground.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.model.ClipVgModel;
import io.rsground.testing.Fixtures;
import io.rsground.testing.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The three namings, strictness and the mismatch report. */
class WeightLoadingTest {
    private static final ModelConfig TINY = ModelConfigs.read(Fixtures.tiny("model.json"));

    @Test
    void huggingFaceTowersReproduceTheReferenceFeatures() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipVgModel model = new ClipVgModel(TINY);
            WeightLoader.Report report = WeightLoader.load(model,
                    SafeTensors.read(Fixtures.tiny("weights-hf.safetensors")), "hf", true, m);
            assertThat(report.naming()).isEqualTo(WeightNaming.HUGGING_FACE);
            // CLIP towers only: everything outside clip.* is drawn as the reference initialises it
            assertThat(report.initialised()).isNotEmpty().allMatch(n -> !n.startsWith("clip."));
            assertThat(report.unused()).contains("visual_projection.weight", "logit_scale",
                    "vision_model.post_layernorm.weight");
            Map<String, NDArray> expected = Tensors.byName(m, Fixtures.tiny("expected.safetensors"));
            ai.djl.pytorch.jni.JniUtils.setGradMode(false);
            try {
                double dv = Tensors.maxAbsDiff(model.encodeImage(null, expected.get("images"), false),
                        expected.get("visual_features"));
                double dt = Tensors.maxAbsDiff(model.encodeText(null, expected.get("tokens"), false),
                        expected.get("text_features"));
                System.out.printf("HF towers: visual %.3g, text %.3g%n", dv, dt);
                assertThat(dv).isLessThanOrEqualTo(1e-4);
                assertThat(dt).isLessThanOrEqualTo(1e-4);
            } finally {
                ai.djl.pytorch.jni.JniUtils.setGradMode(true);
            }
        }
    }

    @Test
    void openAiNamesAreTheReferenceNamesWithoutPrefix() throws Exception {
        Map<String, HostTensor> reference = SafeTensors.read(Fixtures.tiny("weights.safetensors"));
        Map<String, HostTensor> openai = new LinkedHashMap<>();
        reference.forEach((k, v) -> {
            if (k.startsWith("clip.")) {
                openai.put(k.substring(5), v);
            }
        });
        try (NDManager m = NDManager.newBaseManager()) {
            ClipVgModel model = new ClipVgModel(TINY);
            WeightLoader.Report report = WeightLoader.load(model, openai, "openai", true, m);
            assertThat(report.naming()).isEqualTo(WeightNaming.OPENAI_CLIP);
            assertThat(report.unused()).containsExactlyInAnyOrder("visual.proj", "visual.ln_post.weight",
                    "visual.ln_post.bias", "logit_scale");
            Parameter conv = model.namedParameters().get("clip.visual.conv1.weight");
            assertThat(java.util.Arrays.equals(conv.getArray().toFloatArray(),
                    reference.get("clip.visual.conv1.weight").floats())).isTrue();
        }
    }

    @Test
    void everyProblemIsReportedAtOnceWithBothShapes() throws Exception {
        Map<String, HostTensor> w = new LinkedHashMap<>(SafeTensors.read(Fixtures.tiny("weights.safetensors")));
        w.remove("reg_token.weight");
        w.remove("clip.ln_final.bias");
        w.put("clip.visual.class_embedding", HostTensor.ofFloats(new long[] {64}, new float[64]));
        w.put("vl_transformer.decoder.layers.0.norm1.weight", HostTensor.ofFloats(new long[] {4}, new float[4]));
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> WeightLoader.load(new ClipVgModel(TINY), w, "bad.safetensors", true, m))
                    .isInstanceOfSatisfying(WeightMismatchException.class, e -> {
                        assertThat(e.missing()).containsExactlyInAnyOrder("reg_token.weight", "clip.ln_final.bias");
                        assertThat(e.unexpected()).containsExactly("vl_transformer.decoder.layers.0.norm1.weight");
                        assertThat(e.misShaped()).containsExactly(
                                "clip.visual.class_embedding: model [128], weights [64]");
                        assertThat(e.getMessage()).startsWith("weights bad.safetensors do not fit the model: ")
                                .contains("1 mis-shaped", "2 missing", "1 unexpected");
                    });
            // not strict: missing drawn at random, unexpected skipped; a wrong shape still fails
            w.put("clip.visual.class_embedding", SafeTensors.read(Fixtures.tiny("weights.safetensors"))
                    .get("clip.visual.class_embedding"));
            WeightLoader.Report report = WeightLoader.load(new ClipVgModel(TINY), w, "lenient", false, m);
            assertThat(report.initialised()).containsExactlyInAnyOrder("reg_token.weight", "clip.ln_final.bias");
        }
    }

    @Test
    void theWrongArchitectureIsAMismatchNotACrash() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            ClipVgModel model = new ClipVgModel(ModelConfigs.preset("tiny"));
            assertThatThrownBy(() -> WeightLoader.load(model, SafeTensors.read(Fixtures.tiny("weights.safetensors")),
                    "weights.safetensors", true, m))
                    .isInstanceOf(WeightMismatchException.class)
                    .hasMessageContaining("clip.visual.positional_embedding: model [65, 128], weights [197, 128]");
        }
    }

    @Test
    void nanWeightsAreRefusedAsWeightsNamingTheFile() throws Exception {
        Map<String, HostTensor> w = new LinkedHashMap<>();
        SafeTensors.read(Fixtures.tiny("weights.safetensors")).forEach((name, t) -> {
            float[] nan = new float[t.floats().length];
            java.util.Arrays.fill(nan, Float.NaN);
            w.put(name, HostTensor.ofFloats(t.shape(), nan));
        });
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> WeightLoader.load(new ClipVgModel(TINY), w, "nan.safetensors", true, m))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("weights nan.safetensors hold NaN or infinite values in ")
                    .hasMessageContaining("reg_token.weight (64 of 64)");
        }
    }

    @Test
    void unknownNamingIsNamed() {
        Map<String, HostTensor> w = Map.of("encoder.weight", HostTensor.ofFloats(new long[] {1}, new float[1]));
        assertThatThrownBy(() -> KeyMaps.toCanonical(w)).hasMessageContaining("cannot tell the naming")
                .hasMessageContaining("encoder.weight");
    }
}
