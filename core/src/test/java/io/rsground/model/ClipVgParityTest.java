package io.rsground.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.testing.Fixtures;
import io.rsground.testing.Tensors;
import io.rsground.weights.WeightFiles;
import io.rsground.weights.WeightLoader;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The model against the reference's golden tensors, fed with the fixture's own preprocessed inputs. */
class ClipVgParityTest {
    private static NDManager manager;
    private static Map<String, NDArray> expected;

    @BeforeAll
    static void load() {
        manager = NDManager.newBaseManager();
        expected = Tensors.byName(manager, Fixtures.tiny("expected.safetensors"));
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"weights.safetensors", "checkpoint.pth"})
    void forwardMatchesReference(String weights) throws Exception {
        ModelConfig config = ModelConfigs.read(Fixtures.tiny("model.json"));
        try (NDManager m = manager.newSubManager()) {
            ClipVgModel model = new ClipVgModel(config);
            WeightLoader.Report report = WeightLoader.load(model, WeightFiles.read(Fixtures.tiny(weights)), weights,
                    true, m);
            assertThat(report.initialised()).isEmpty();
            JniUtils.setGradMode(false);
            NDArray pixels = expected.get("images");
            NDArray patchMask = expected.get("visual_masks").toType(DataType.FLOAT32, false);
            NDArray tokens = expected.get("tokens");
            NDArray visual = model.encodeImage(null, pixels, false);
            NDArray text = model.encodeText(null, tokens, false);
            ClipVgModel.Output out = model.fuse(null, visual, patchMask, text, tokens, false);
            double dv = Tensors.maxAbsDiff(visual, expected.get("visual_features"));
            double dt = Tensors.maxAbsDiff(text, expected.get("text_features"));
            double dr = Tensors.maxAbsDiff(out.regOutput(), expected.get("reg_token_out"));
            double db = Tensors.maxAbsDiff(out.boxes(), expected.get("pred_boxes"));
            System.out.printf("parity (%s) max|diff|: visual %.3g text %.3g reg %.3g boxes %.3g%n", weights, dv, dt,
                    dr, db);
            assertThat(dv).isLessThanOrEqualTo(1e-4);
            assertThat(dt).isLessThanOrEqualTo(1e-4);
            assertThat(dr).isLessThanOrEqualTo(1e-4);
            assertThat(db).isLessThanOrEqualTo(1e-4);
        } finally {
            JniUtils.setGradMode(true);
        }
    }
}
