package io.rsground.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SeedsTest {
    @Test
    void mixIsSplitMix64sFinaliser() {
        // SplitMix64 seeded with 0 first adds the golden gamma, then finalises: its first output is published
        assertThat(Seeds.mix64(0x9E3779B97F4A7C15L)).isEqualTo(0xE220A8397B1DCDAFL);
        assertThat(Seeds.mix64(0)).isZero();
    }

    @Test
    void stepSeedsAreNonNegativeAndDifferAcrossPositions() {
        Set<Integer> seen = new HashSet<>();
        for (int epoch = 0; epoch < 20; epoch++) {
            for (int batch = 0; batch < 50; batch++) {
                int s = Seeds.forStep(13, epoch, batch);
                assertThat(s).isNotNegative();
                seen.add(s);
            }
        }
        assertThat(seen).hasSize(1000);
        assertThat(Seeds.forStep(13, 2, 7)).isEqualTo(Seeds.forStep(13, 2, 7)).isNotEqualTo(Seeds.forStep(14, 2, 7));
    }
}
