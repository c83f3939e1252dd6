package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.config.TrainConfig;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.weights.HostTensor;
import io.rsground.weights.RsgroundCheckpoint;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two runs with the same seed end with the same weights, bit for bit, with PyTorch's default threads, at a batch
 * large enough for PyTorch to spread the token embedding's gradient over them.
 */
class SameSeedTest {
    @Test
    void twoRunsWithTheSameSeedEndWithTheSameWeights(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 40, 96, 11, 1, ProgressListener.NONE);
        Engine.getInstance();
        System.out.println("intra-op threads: " + JniUtils.getNumThreads());
        Map<String, HostTensor> first = null;
        for (String name : new String[] {"a", "b"}) {
            Path out = dir.resolve(name);
            TrainConfig config = TrainConfig.builder().dataRoot(data.toString()).out(out.toString()).preset("tiny")
                    .imsize(64).epochs(2).batchSize(16).lr(3e-4).numWorkers(2).seed(7).build();
            new TrainingRun(config, null).run();
            Map<String, HostTensor> weights = RsgroundCheckpoint.read(out.resolve(TrainingRun.LAST)).weights();
            if (first == null) {
                first = weights;
                continue;
            }
            for (String k : first.keySet()) {
                assertThat(Arrays.equals(weights.get(k).floats(), first.get(k).floats())).as(k).isTrue();
            }
        }
    }
}
