package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.rsground.config.ModelConfigs;
import io.rsground.model.ClipVgModel;
import io.rsground.testing.Fixtures;
import io.rsground.testing.Tensors;
import io.rsground.weights.WeightLoader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One training step in train mode against the reference: losses, gradients, and parameters after AdamW. */
class TrainStepParityTest {

    @Test
    void oneAdamWStepMatchesReference() throws InterruptedException {
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVgModel model = new ClipVgModel(ModelConfigs.read(Fixtures.tiny("model.json")));
            WeightLoader.load(model, Tensors.hostByName(manager, Fixtures.tiny("weights.safetensors")), "weights",
                    true, manager);
            Map<String, NDArray> batch = Tensors.byName(manager, Fixtures.tiny("expected.safetensors"));
            Map<String, NDArray> reference = Tensors.byName(manager, Fixtures.tiny("train_step.safetensors"));

            // the reference trainable set: everything outside CLIP, plus the visual positional embedding
            Map<String, Parameter> trainable = new LinkedHashMap<>();
            model.namedParameters().forEach((name, p) -> {
                boolean train = !ClipVgModel.isClipParameter(name)
                        || name.equals(ClipVgModel.visualPositionalEmbeddingName());
                p.freeze(!train);
                if (train) {
                    trainable.put(name, p);
                }
            });
            List<String> expectedNames = reference.keySet().stream().filter(k -> k.startsWith("grad."))
                    .map(k -> k.substring(5)).toList();
            assertThat(trainable.keySet()).containsExactlyInAnyOrderElementsOf(expectedNames);

            GroundingLoss loss = new GroundingLoss(1, 1);
            GroundingLoss.Terms terms;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                ClipVgModel.Output out = model.forward(null, batch.get("images"),
                        batch.get("visual_masks").toType(DataType.FLOAT32, false), batch.get("tokens"), true);
                terms = loss.compute(out.boxes(), batch.get("gt_boxes"));
                // a collection between forward and backward must not change the gradients: DJL frees the Java
                // buffers of Number-valued scalars early, and autograd must not be holding on to any of them
                System.gc();
                Thread.sleep(20);
                System.gc();
                collector.backward(terms.total());
            }
            double dl1 = Math.abs(terms.l1().getFloat() - reference.get("loss_bbox").getFloat(0));
            double dgiou = Math.abs(terms.giou().getFloat() - reference.get("loss_giou").getFloat(0));
            System.out.printf("loss diffs: l1 %.3g giou %.3g%n", dl1, dgiou);
            assertThat(dl1).isLessThanOrEqualTo(1e-5);
            assertThat(dgiou).isLessThanOrEqualTo(1e-5);

            List<String> failures = new ArrayList<>();
            double worstGrad = -1;
            for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
                NDArray grad = e.getValue().getArray().getGradient();
                double excess = Tensors.excessOverTolerance(grad, reference.get("grad." + e.getKey()), 1e-5, 1e-3);
                worstGrad = Math.max(worstGrad, Tensors.maxAbsDiff(grad, reference.get("grad." + e.getKey())));
                if (excess > 0) {
                    failures.add("grad." + e.getKey() + " exceeds tolerance by " + excess);
                }
            }
            try (TorchOptimizer adamw = new TorchOptimizer(OptimizerKind.ADAMW, 1e-4, manager)) {
                adamw.step(trainable, name -> 1e-4);
            }
            double worstAfter = -1;
            for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
                NDArray after = e.getValue().getArray();
                double excess = Tensors.excessOverTolerance(after, reference.get("after." + e.getKey()), 1e-5, 1e-3);
                worstAfter = Math.max(worstAfter, Tensors.maxAbsDiff(after, reference.get("after." + e.getKey())));
                if (excess > 0) {
                    failures.add("after." + e.getKey() + " exceeds tolerance by " + excess);
                }
            }
            System.out.printf("train step max|diff|: grads %.3g, after AdamW %.3g%n", worstGrad, worstAfter);
            assertThat(failures).isEmpty();
        }
    }
}
