package io.rsground.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PredictionGridTest {
    @Test
    void theShownIouNeverReadsAsAHitWhenItIsAMiss() {
        // 0.497 is a miss (IoU < 0.5) and must not be printed as 0.50
        assertThat(PredictionGrid.scoreLabel(0.497)).isEqualTo("IoU 0.49");
        assertThat(PredictionGrid.scoreLabel(0.5)).isEqualTo("IoU 0.50");
        // 0.57 is not exactly representable; rounding down must not turn it into 0.56
        assertThat(PredictionGrid.scoreLabel(0.57)).isEqualTo("IoU 0.57");
        assertThat(PredictionGrid.scoreLabel(1.0)).isEqualTo("IoU 1.00");
        assertThat(PredictionGrid.scoreLabel(0.0)).isEqualTo("IoU 0.00");
    }
}
