package io.rsground.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rsground.config.ConfigException;
import io.rsground.config.TrainConfig;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.testing.Fixtures;
import io.rsground.train.EpochLog;
import io.rsground.train.TrainingRun;
import io.rsground.weights.HostTensor;
import io.rsground.weights.SafeTensors;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The features job's files, read by training in place of the frozen tower's own pass: the same epoch. */
class TrainingReadsFeaturesTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTesting.session("TrainingReadsFeaturesTest");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void anEpochOnReadFeaturesEqualsOneOnComputedFeatures(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 10, 96, 3, 1, ProgressListener.NONE);
        Path features = dir.resolve("features");
        SparkFeatures.compute(SparkFeatures.imagesOf(spark, data.toString()), SparkTesting.spec(),
                features.toString(), 2);
        TrainConfig base = TrainConfig.builder().dataRoot(data.toString())
                .weights(Fixtures.tiny("weights.safetensors").toString())
                .modelConfig(Fixtures.tiny("model.json").toString()).bpe(SparkTesting.bpe().toString())
                .trainable("freeze_clip_fully").augCrop(false).augScale(false).augTranslate(false).augBlur(false)
                .augHflip(false).augJitter(false).epochs(1).batchSize(4).numWorkers(0).seed(3)
                .build();
        EpochLog computed = epoch(base.toBuilder().out(dir.resolve("computed").toString()).build());
        EpochLog read = epoch(base.toBuilder().out(dir.resolve("read").toString())
                .imageFeatures(features.toString()).build());
        assertThat(read.trainLoss()).isCloseTo(computed.trainLoss(), within(1e-4));
        assertThat(read.valLoss()).isCloseTo(computed.valLoss(), within(1e-4));

        // features far larger than the heap cache's limit (here 1 byte): read from the mapped shards per batch
        EpochLog mapped;
        System.setProperty(TrainingRun.FEATURE_CACHE_BYTES_PROPERTY, "1");
        try {
            mapped = epoch(base.toBuilder().out(dir.resolve("mapped").toString())
                    .imageFeatures(features.toString()).build());
        } finally {
            System.clearProperty(TrainingRun.FEATURE_CACHE_BYTES_PROPERTY);
        }
        assertThat(mapped.trainLoss()).isCloseTo(computed.trainLoss(), within(1e-4));
        assertThat(mapped.valLoss()).isCloseTo(computed.valLoss(), within(1e-4));

        // the files are what the run used: features halved on disk give another loss
        Path halved = dir.resolve("halved");
        java.nio.file.Files.createDirectories(halved);
        try (var files = java.nio.file.Files.list(features)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().endsWith(".safetensors")) {
                    var header = SafeTensors.readHeader(f);
                    java.util.Map<String, HostTensor> tensors = new java.util.LinkedHashMap<>();
                    SafeTensors.read(f).forEach((k, t) -> {
                        float[] v = t.floats().clone();
                        for (int i = 0; i < v.length; i++) {
                            v[i] /= 2;
                        }
                        tensors.put(k, HostTensor.ofFloats(t.shape(), v));
                    });
                    SafeTensors.write(halved.resolve(f.getFileName()), tensors, header.metadata());
                } else {
                    java.nio.file.Files.copy(f, halved.resolve(f.getFileName()));
                }
            }
        }
        EpochLog wrong = epoch(base.toBuilder().out(dir.resolve("halved-run").toString())
                .imageFeatures(halved.toString()).build());
        assertThat(Math.abs(wrong.trainLoss() - computed.trainLoss())).isGreaterThan(1e-3);

        TrainConfig augmented = base.toBuilder().out(dir.resolve("augmented").toString()).augJitter(true)
                .imageFeatures(features.toString()).build();
        assertThatThrownBy(() -> new TrainingRun(augmented, null).run()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("no-aug-jitter");
        TrainConfig other = base.toBuilder().out(dir.resolve("other").toString()).weights(null).preset("tiny")
                .modelConfig(null).bpe(null).imageFeatures(features.toString()).build();
        assertThatThrownBy(() -> new TrainingRun(other, null).run()).isInstanceOf(ConfigException.class)
                .hasMessageContaining("vision_sha256");
    }

    private static EpochLog epoch(TrainConfig config) throws Exception {
        TrainingRun.Outcome outcome = new TrainingRun(config, null).run();
        assertThat(outcome.history()).hasSize(1);
        return outcome.history().get(0);
    }
}
