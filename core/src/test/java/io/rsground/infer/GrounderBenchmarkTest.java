package io.rsground.infer;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.image.Images;
import io.rsground.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A benchmark, printed and never asserted on time: one call with ten queries on an image against a call with one
 * query, and ten single-query calls, all with the feature cache off so that every call runs the image tower. Wall
 * time and the process's CPU time are both shown; CPU time is steadier when other work shares the machine (it
 * includes PyTorch's own threads). The assertions only check what the comparison relies on.
 */
class GrounderBenchmarkTest {
    private static final List<String> QUERIES = List.of("the white stadium", "the ship at the pier",
            "the largest storage tank", "a gray vehicle on the left", "the bridge over the river",
            "the small airplane near the runway", "the green field at the top", "a harbor with boats",
            "the round tank on the right", "the building in the middle of the image");
    private static final int REPS = 3;

    @Test
    void tenQueriesInOneCallAgainstOne() throws Exception {
        BufferedImage image = Images.read(Fixtures.clipvgTiny().resolve("images/sample_1.png"));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (Grounder grounder = new Grounder(GrounderFixtureTest.load("weights.safetensors"), 0)) {
            for (int i = 0; i < 1; i++) { // warm-up: allocator, first-call paths
                grounder.ground(image, QUERIES);
                grounder.ground(image, QUERIES.get(0));
            }
            double[][] wall = new double[3][REPS];
            double[][] cpu = new double[3][REPS];
            for (int r = 0; r < REPS; r++) {
                for (int kind = 0; kind < 3; kind++) {
                    long w0 = System.nanoTime();
                    long c0 = os.getProcessCpuTime();
                    if (kind == 0) {
                        grounder.ground(image, QUERIES.subList(0, 1));
                    } else if (kind == 1) {
                        assertThat(grounder.ground(image, QUERIES)).hasSize(10);
                    } else {
                        for (String q : QUERIES) {
                            grounder.ground(image, q);
                        }
                    }
                    wall[kind][r] = (System.nanoTime() - w0) / 1e6;
                    cpu[kind][r] = (os.getProcessCpuTime() - c0) / 1e6;
                }
            }
            System.out.printf(Locale.ROOT, "Grounder benchmark (tiny fixture model, %dx%d image, cache off, median "
                    + "of %d):%n", image.getWidth(), image.getHeight(), REPS);
            String[] names = {"1 query", "10 queries, one call", "10 single-query calls"};
            for (int kind = 0; kind < 3; kind++) {
                System.out.printf(Locale.ROOT, "  %-22s wall %7.1f ms (x%.2f)   cpu %7.1f ms (x%.2f)%n", names[kind],
                        median(wall[kind]), median(wall[kind]) / median(wall[0]), median(cpu[kind]),
                        median(cpu[kind]) / median(cpu[0]));
            }
            assertThat(grounder.cacheStats()[0]).as("cache off: no call skips the image tower").isZero();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
