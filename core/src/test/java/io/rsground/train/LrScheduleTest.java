package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
    private static LrSchedule of(LrSchedule.Kind kind, int epochs) {
        return new LrSchedule(kind, epochs, 60, 0.9, 0.9, 0);
    }

    @Test
    void cosineHalvesAtMidRunAndStartsAtOne() {
        LrSchedule s = of(LrSchedule.Kind.COSINE, 120);
        assertThat(s.epochFactor(0)).isEqualTo(1.0);
        assertThat(s.epochFactor(60)).isCloseTo(0.5, within(1e-12));
        // 0.5 * (1 + cos(pi / 4)) = 0.5 + sqrt(2) / 4
        assertThat(s.epochFactor(30)).isCloseTo(0.5 + Math.sqrt(2) / 4, within(1e-12));
        assertThat(s.epochFactor(120)).isCloseTo(0.0, within(1e-12));
    }

    @Test
    void stepDropsTenfoldEveryLrDropEpochs() {
        LrSchedule s = of(LrSchedule.Kind.STEP, 120);
        assertThat(s.epochFactor(59)).isEqualTo(1.0);
        assertThat(s.epochFactor(60)).isCloseTo(0.1, within(1e-15));
        assertThat(s.epochFactor(119)).isCloseTo(0.1, within(1e-15));
        assertThat(new LrSchedule(LrSchedule.Kind.STEP, 10, 3, 0.9, 0.9, 0).epochFactor(7))
                .isCloseTo(0.01, within(1e-15));
    }

    @Test
    void polyHalfDecayAndExponential() {
        // (1 - 50/100)^0.9 = 0.5^0.9
        assertThat(of(LrSchedule.Kind.POLY, 100).epochFactor(50)).isCloseTo(Math.pow(0.5, 0.9), within(1e-12));
        // E = 100: halves every 10 epochs; epoch 25 -> 0.5^2
        assertThat(of(LrSchedule.Kind.HALFDECAY, 100).epochFactor(25)).isEqualTo(0.25);
        assertThat(of(LrSchedule.Kind.HALFDECAY, 100).epochFactor(9)).isEqualTo(1.0);
        // E = 5: E/10 = 0.5, so epoch 2 -> 0.5^4
        assertThat(of(LrSchedule.Kind.HALFDECAY, 5).epochFactor(2)).isEqualTo(0.0625);
        assertThat(of(LrSchedule.Kind.EXPONENTIAL, 10).epochFactor(3)).isCloseTo(0.729, within(1e-12));
    }

    @Test
    void warmUpRampsLinearlyOverIterations() {
        LrSchedule s = new LrSchedule(LrSchedule.Kind.COSINE, 10, 60, 0.9, 0.9, 1);
        // 4 iterations per epoch, one warm-up epoch: 1/4, 2/4, 3/4, 4/4 of the epoch factor
        assertThat(s.factor(0, 0, 4)).isEqualTo(0.25);
        assertThat(s.factor(0, 2, 4)).isEqualTo(0.75);
        assertThat(s.factor(0, 3, 4)).isEqualTo(1.0);
        assertThat(s.factor(1, 0, 4)).isEqualTo(s.epochFactor(1));
    }

    @Test
    void unknownNamesAreListed() {
        assertThatThrownBy(() -> LrSchedule.Kind.parse("linear"))
                .hasMessage("unknown lr scheduler 'linear'; known: cosine, step, poly, halfdecay, exponential");
        assertThat(LrSchedule.Kind.parse("HalfDecay")).isEqualTo(LrSchedule.Kind.HALFDECAY);
    }
}
