package io.rsground.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.rsground.image.Images;
import io.rsground.testing.Fixtures;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One grounder shared by several threads gives each the answer it gives one thread, cache evictions included. */
class GrounderConcurrencyTest {

    @Test
    void threadsSharingAGrounderGetTheSequentialAnswers() throws Exception {
        List<BufferedImage> images = new ArrayList<>();
        for (String name : List.of("sample_2.png", "sample_4.png", "sample_5.jpg")) {
            images.add(Images.read(Fixtures.clipvgTiny().resolve("images/" + name)));
        }
        List<List<String>> queries = List.of(List.of("the ship"), List.of("a tank", "the gray vehicle"),
                List.of("the white stadium", "a road", "the bridge over the river"));
        // a cache smaller than the set of images: threads evict what others just read
        try (Grounder grounder = new Grounder(GrounderFixtureTest.load("weights.safetensors"), 2)) {
            double[][][] expected = new double[images.size()][][];
            for (int i = 0; i < images.size(); i++) {
                List<GroundingResult> r = grounder.ground(images.get(i), queries.get(i));
                expected[i] = r.stream().map(GroundingResult::cxcywhNorm).toArray(double[][]::new);
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int offset = t;
                    done.add(pool.submit(() -> {
                        for (int k = 0; k < 3; k++) {
                            int i = (offset + k) % images.size();
                            List<GroundingResult> r = grounder.ground(images.get(i), queries.get(i));
                            for (int q = 0; q < r.size(); q++) {
                                for (int c = 0; c < 4; c++) {
                                    assertThat(r.get(q).cxcywhNorm()[c]).isCloseTo(expected[i][q][c], within(1e-5));
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(5, TimeUnit.MINUTES); // rethrows a thread's assertion failure
                }
            } finally {
                pool.shutdownNow();
            }
            long[] stats = grounder.cacheStats();
            assertThat(stats[0] + stats[1]).isEqualTo(3 + 4 * 3);
        }
    }
}
