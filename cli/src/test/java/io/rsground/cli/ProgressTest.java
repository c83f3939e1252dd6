package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The progress text: spaced units, no rate or ETA before a few units are timed, the first unit's time left out. */
class ProgressTest {

    @Test
    void theLineSpacesItsPartsAndNamesTheRatesUnit() {
        assertThat(Progress.text("epoch 2/64", 12, 128, "batches", 1.4, "loss 2.3484"))
                .isEqualTo("epoch 2/64: 12/128 batches (9%), 1.4 batches/s, ETA 1m23s, loss 2.3484");
    }

    @Test
    void withoutATimedRateThereIsNeitherRateNorEta() {
        assertThat(Progress.text("epoch 1/6", 1, 128, "batches", Double.NaN, "loss 2.3484"))
                .isEqualTo("epoch 1/6: 1/128 batches (1%), loss 2.3484");
        assertThat(Progress.text("check", 40, 0, "images", 2.0, "")).isEqualTo("check: 40 images, 2.0 images/s");
    }

    @Test
    void theBarGoesAfterTheTaskAndTheLineFillsTheWidth() {
        String line = Progress.text("vision pretraining", 500, 2000, "steps", Double.NaN, "");
        assertThat(Progress.render(line, 0.25, 0))
                .isEqualTo("vision pretraining: [=====               ] 500/2000 steps (25%)");
        assertThat(Progress.render(line, 0.25, 30)).hasSize(30);
        // padded to the width, so that a shorter line covers the tail of the longer one before it
        assertThat(Progress.render(line, 0.25, 80)).hasSize(80).startsWith("vision pretraining: [=====   ");
    }

    @Test
    void theRateLeavesOutTheTimeBeforeTheFirstUpdate() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong nanos = new AtomicLong();
        try (Progress p = new Progress("epoch 1/1", 10, "batches", 1,
                new PrintStream(bytes, true, StandardCharsets.UTF_8), nanos::get, false, false)) {
            // the first step took 100 s (warm-up), the next ones 1 s each
            nanos.set(100_000_000_000L);
            p.progress(1, 10);
            for (int done = 2; done <= 4; done++) {
                nanos.addAndGet(1_000_000_000L);
                p.progress(done, 10);
            }
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\\R");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).isEqualTo("epoch 1/1: 1/10 batches (10%)");
        assertThat(lines[2]).doesNotContain("ETA").doesNotContain("/s");
        assertThat(lines[3]).isEqualTo("epoch 1/1: 4/10 batches (40%), 1.0 batches/s, ETA 6s");
    }
}
