package io.rsground.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The token embedding's gradient is the same bits every time: many repeated tokens (padding, common words) in a
 * batch large enough for PyTorch to spread the work over threads is where an indexed gather's gradient, added with
 * atomics, came out different from one step to the next.
 */
class EmbeddingGradientTest {
    @Test
    void theGradientOfRepeatedTokensIsTheSameEveryTime() {
        int vocab = 50;
        int width = 256;
        int batch = 16;
        int length = 40; // batch x length x width = 163,840 elements, over PyTorch's parallel grain (32,768)
        Random random = new Random(3);
        long[] ids = new long[batch * length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(6) == 0 ? random.nextInt(vocab) : 0; // mostly one token, as padding is
        }
        float[] upstream = new float[batch * length * width];
        for (int i = 0; i < upstream.length; i++) {
            upstream[i] = (float) random.nextGaussian();
        }
        float[] tableValues = new float[vocab * width];
        for (int i = 0; i < tableValues.length; i++) {
            tableValues[i] = (float) random.nextGaussian();
        }
        Engine.getInstance();
        System.out.println("intra-op threads: " + JniUtils.getNumThreads());
        float[] first = null;
        for (int repeat = 0; repeat < 6; repeat++) {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray table = manager.create(tableValues, new Shape(vocab, width));
                table.setRequiresGradient(true);
                NDArray tokens = manager.create(ids, new Shape(batch, length)).toType(DataType.INT64, false);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray rows = Nn.embedding(table, tokens); // [B, L, D]
                    assertThat(rows.getShape()).isEqualTo(new Shape(batch, length, width));
                    collector.backward(rows.mul(manager.create(upstream, new Shape(batch, length, width))).sum());
                }
                float[] gradient = table.getGradient().toFloatArray();
                if (first == null) {
                    first = gradient;
                    // the row of token 0 holds the sum of the upstream rows at its positions
                    double expected = 0;
                    for (int i = 0; i < ids.length; i++) {
                        if (ids[i] == 0) {
                            expected += upstream[i * width];
                        }
                    }
                    assertThat((double) gradient[0]).isCloseTo(expected, org.assertj.core.api.Assertions.within(
                            1e-3));
                } else {
                    assertThat(gradient).as("repeat %d", repeat).isEqualTo(first);
                }
            }
        }
    }
}
