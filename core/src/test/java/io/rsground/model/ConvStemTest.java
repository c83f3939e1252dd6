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
import io.rsground.config.VisionConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The convolutional stem against a convolution written out by hand, its parameters, and the whole tower's shape. */
class ConvStemTest {
    // two stride-2 convolutions make patches of 4 px; an 8-px image has 2 x 2 of them
    static final VisionConfig STEM = new VisionConfig(8, 4, 6, 1, 2, List.of(0), List.of(3, 5));

    @Test
    void holdsTheStemInPlaceOfClipsPatchProjection() {
        Map<String, Parameter> p = new ClipVisionTower(STEM, false).namedParameters();
        assertThat(p).doesNotContainKey("conv1.weight");
        assertThat(p.get("conv_stem.0.weight").getShape()).isEqualTo(new Shape(3, 3, 3, 3));
        assertThat(p.get("conv_stem.0.bias").getShape()).isEqualTo(new Shape(3));
        assertThat(p.get("conv_stem.1.weight").getShape()).isEqualTo(new Shape(5, 3, 3, 3));
        assertThat(p.get("conv_stem.1.bias").getShape()).isEqualTo(new Shape(5));
        assertThat(p.get("conv_stem.proj.weight").getShape()).isEqualTo(new Shape(6, 5));
        Map<String, Parameter> clip = new ClipVisionTower(new VisionConfig(8, 4, 6, 1, 2, List.of(0), List.of()), false)
                .namedParameters();
        assertThat(clip.get("conv1.weight").getShape()).isEqualTo(new Shape(6, 3, 4, 4));
        assertThat(clip.keySet()).noneMatch(k -> k.startsWith("conv_stem"));
    }

    @Test
    void tokensAreStridedConvolutionsWithGeluThenAProjection() {
        Engine.getInstance().setRandomSeed(5);
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager m = NDManager.newBaseManager()) {
            ClipVisionTower tower = new ClipVisionTower(STEM, false);
            tower.initialize(m, DataType.FLOAT32, new Shape(2, 3, 8, 8));
            Map<String, Parameter> p = tower.namedParameters();
            // biases start at zero; give them values so that a dropped bias shows
            p.get("conv_stem.0.bias").getArray().addi(m.randomNormal(new Shape(3)));
            p.get("conv_stem.1.bias").getArray().addi(m.randomNormal(new Shape(5)));
            NDArray pixels = m.randomNormal(new Shape(2, 3, 8, 8));

            float[] x = pixels.toFloatArray();
            float[] h1 = convGelu(x, 2, 3, 8, p.get("conv_stem.0.weight").getArray().toFloatArray(),
                    p.get("conv_stem.0.bias").getArray().toFloatArray(), 3);
            float[] h2 = convGelu(h1, 2, 3, 4, p.get("conv_stem.1.weight").getArray().toFloatArray(),
                    p.get("conv_stem.1.bias").getArray().toFloatArray(), 5);
            float[] proj = p.get("conv_stem.proj.weight").getArray().toFloatArray();
            float[] expected = new float[2 * 4 * 6];
            for (int b = 0; b < 2; b++) {
                for (int pos = 0; pos < 4; pos++) {
                    for (int o = 0; o < 6; o++) {
                        double sum = 0;
                        for (int c = 0; c < 5; c++) {
                            sum += proj[o * 5 + c] * h2[(b * 5 + c) * 4 + pos];
                        }
                        expected[(b * 4 + pos) * 6 + o] = (float) sum;
                    }
                }
            }

            NDArray tokens = tower.patchEmbedding(null, pixels, false);
            assertThat(tokens.getShape()).isEqualTo(new Shape(2, 4, 6));
            assertThat(tokens.toFloatArray()).containsExactly(expected, within(1e-4f));
            NDArray out = tower.forward(null, pixels, false);
            assertThat(out.getShape()).isEqualTo(new Shape(2, 5, 6));
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    @Test
    void gradientsReachEveryStemLayer() {
        Engine.getInstance().setRandomSeed(6);
        try (NDManager m = NDManager.newBaseManager()) {
            ClipVisionTower tower = new ClipVisionTower(STEM, false);
            tower.initialize(m, DataType.FLOAT32, new Shape(2, 3, 8, 8));
            NDArray pixels = m.randomNormal(new Shape(2, 3, 8, 8));
            try (ai.djl.training.GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(tower.forward(null, pixels, true).square().sum());
            }
            for (String name : List.of("conv_stem.0.weight", "conv_stem.0.bias", "conv_stem.1.weight",
                    "conv_stem.proj.weight")) {
                NDArray grad = tower.namedParameters().get(name).getArray().getGradient();
                assertThat(grad.abs().sum().getFloat()).as(name).isPositive();
            }
        }
    }

    /**
     * A 3x3 convolution, stride 2, zero padding 1, then GELU (0.5 z (1 + erf(z / sqrt 2))), written as loops.
     *
     * @param in [B, C, S, S]
     * @return [B, O, S/2, S/2]
     */
    static float[] convGelu(float[] in, int batch, int channels, int side, float[] weight, float[] bias, int outs) {
        int half = side / 2;
        float[] out = new float[batch * outs * half * half];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < outs; o++) {
                for (int y = 0; y < half; y++) {
                    for (int x = 0; x < half; x++) {
                        double z = bias[o];
                        for (int c = 0; c < channels; c++) {
                            for (int ky = 0; ky < 3; ky++) {
                                for (int kx = 0; kx < 3; kx++) {
                                    int iy = 2 * y - 1 + ky;
                                    int ix = 2 * x - 1 + kx;
                                    if (iy >= 0 && iy < side && ix >= 0 && ix < side) {
                                        z += weight[((o * channels + c) * 3 + ky) * 3 + kx]
                                                * in[((b * channels + c) * side + iy) * side + ix];
                                    }
                                }
                            }
                        }
                        out[((b * outs + o) * half + y) * half + x] = (float) (0.5 * z * (1 + erf(z / Math.sqrt(2))));
                    }
                }
            }
        }
        return out;
    }

    /** erf by its Maclaurin series (exact to 1e-9 below 4.5, where its terms stay small); +-1 beyond. */
    static double erf(double z) {
        if (Math.abs(z) > 4.5) {
            return Math.signum(z);
        }
        double sum = 0;
        double term = z;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -z * z / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
