package io.rsground.data;

import io.rsground.data.synth.SceneGenerator;
import io.rsground.image.AugmentConfig;
import io.rsground.image.TrainTransform;
import io.rsground.text.WordTokenizer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loader throughput on DIOR-RSVG-sized inputs: 64 synthetic 800 x 800 JPEG scenes, the training
 * transform with crop, scale and translate at 224, batches of 32, with 0, 1 and 2 workers. Prints
 * samples per second of wall time and the process CPU time per sample (the machine may be shared,
 * so wall time alone says little); asserts nothing. Run with
 * {@code mvn -pl core test -Dtest=BatchLoaderBenchmark -Drsground.bench=true}.
 */
@EnabledIfSystemProperty(named = "rsground.bench", matches = "true")
class BatchLoaderBenchmark {
    private static final int EPOCHS = 3;

    @Test
    void measure(@TempDir Path dir) throws Exception {
        SceneGenerator.generate(dir, 64, 800, 1, ProgressListener.NONE);
        List<Sample> samples = DiorRsvgDataset.open(dir, null).allSamples();
        WordTokenizer tokenizer = WordTokenizer.build(samples.stream().map(Sample::query).toList(), 1);
        TrainTransform transform = new TrainTransform(AugmentConfig.reference(224));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        System.out.printf(Locale.ROOT, "%d samples on %d images, %d cores%n", samples.size(), 64,
                Runtime.getRuntime().availableProcessors());
        for (int workers : new int[] {0, 1, 2, 1, 2}) {
            BatchLoader loader = BatchLoader.builder(samples, transform, tokenizer).setBatchSize(32).setPatchSize(16)
                    .setMaxQueryLength(77).optWorkers(workers).optSeed(7).build();
            drain(loader, 100); // warm-up epoch (JIT)
            long wall = System.nanoTime();
            long cpu = os.getProcessCpuTime();
            int count = 0;
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                count += drain(loader, epoch);
            }
            double seconds = (System.nanoTime() - wall) / 1e9;
            double cpuMs = (os.getProcessCpuTime() - cpu) / 1e6;
            System.out.printf(Locale.ROOT, "workers %d: %.1f samples/s wall, %.2f ms CPU per sample "
                    + "(%d samples in %.2f s, CPU %.2f s)%n", workers, count / seconds, cpuMs / count, count,
                    seconds, cpuMs / 1000);
        }
    }

    private static int drain(BatchLoader loader, int epoch) {
        int count = 0;
        try (BatchLoader.Epoch batches = loader.epoch(epoch)) {
            while (batches.hasNext()) {
                count += batches.next().size();
            }
        }
        return count;
    }
}
