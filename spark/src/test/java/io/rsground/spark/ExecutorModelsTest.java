package io.rsground.spark;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** PyTorch's threads per task: the spec's count when given, else what Spark gives each task. */
class ExecutorModelsTest {

    @Test
    void theSpecsThreadsWinElseTheTasksCpus() {
        ModelSpec spec = ModelSpec.of("w.safetensors");
        assertThat(ExecutorModels.threadsFor(spec, 3)).isEqualTo(3);
        assertThat(ExecutorModels.threadsFor(spec, 0)).isEqualTo(1);
        assertThat(ExecutorModels.threadsFor(spec.withThreads(5), 3)).isEqualTo(5);
    }

    @Test
    void aTaskThreadGetsSparkTaskCpusThreads() {
        Engine.getInstance();
        SparkSession spark = SparkSession.builder().master("local[2]").appName("ExecutorModelsTest")
                .config("spark.ui.enabled", "false").config("spark.task.cpus", "2").getOrCreate();
        try {
            ModelSpec spec = ModelSpec.of("w.safetensors");
            List<Integer> seen = spark.range(1).repartition(1).mapPartitions(
                    (MapPartitionsFunction<Long, Integer>) rows -> {
                        JniUtils.setNumThreads(1); // whatever the pool thread had before
                        int set = ExecutorModels.useThreads(spec, TaskContext.get().cpus());
                        return List.of(set, JniUtils.getNumThreads()).iterator();
                    }, Encoders.INT()).collectAsList();
            assertThat(seen).containsExactly(2, 2);
        } finally {
            spark.stop();
        }
    }
}
