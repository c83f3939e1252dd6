package io.rsground.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The block's feed-forward activation: CLIP's QuickGELU or the exact (erf) GELU, by the model config. */
class ResidualAttentionBlockTest {

    @Test
    void feedForwardUsesTheConfiguredActivation() {
        for (boolean quickGelu : new boolean[] {true, false}) {
            Engine.getInstance().setRandomSeed(11);
            boolean gradMode = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try (NDManager m = NDManager.newBaseManager()) {
                ResidualAttentionBlock block = new ResidualAttentionBlock(8, 2, false, 1, quickGelu);
                block.initialize(m, DataType.FLOAT32, new Shape(2, 3, 8));
                Map<String, Parameter> p = block.namedParameters();
                // silence the attention branch, so that the output is x + mlp(ln_2(x)), checkable by hand
                p.get("attn.out_proj.weight").getArray().muli(0);
                p.get("attn.out_proj.bias").getArray().muli(0);
                NDArray x = m.randomNormal(new Shape(2, 3, 8)).mul(3);

                NDArray z = Nn.linear(Nn.layerNorm(x, p.get("ln_2.weight").getArray(), p.get("ln_2.bias").getArray()),
                        p.get("mlp.c_fc.weight").getArray(), p.get("mlp.c_fc.bias").getArray());
                // QuickGELU z / (1 + exp(-1.702 z)); GELU 0.5 z (1 + erf(z / sqrt 2))
                NDArray activated = quickGelu ? z.div(z.mul(-1.702f).exp().add(1f))
                        : z.mul(0.5f).mul(z.div((float) Math.sqrt(2)).erf().add(1f));
                NDArray expected = x.add(Nn.linear(activated, p.get("mlp.c_proj.weight").getArray(),
                        p.get("mlp.c_proj.bias").getArray()));

                NDArray out = block.forward(null, x, null, false);
                assertThat(out.toFloatArray()).containsExactly(expected.toFloatArray(), within(1e-5f));
            } finally {
                JniUtils.setGradMode(gradMode);
            }
        }
    }

    @Test
    void theTwoActivationsDiffer() {
        // so that the test above tells them apart: at z = 1, QuickGELU 0.8458, GELU 0.8413
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray one = m.create(new float[] {1f});
            assertThat(Nn.quickGelu(one).getFloat(0)).isEqualTo(0.8458f, within(1e-4f));
            assertThat(ai.djl.nn.Activation.gelu(one).getFloat(0)).isEqualTo(0.8413f, within(1e-4f));
        }
    }
}
