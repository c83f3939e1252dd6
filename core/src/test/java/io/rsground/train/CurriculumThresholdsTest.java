package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CurriculumThresholdsTest {
    /** Ten reliabilities: two labels the measurer missed entirely, then 0.1 to 0.8. */
    private static final List<Double> RELIABILITIES = List.of(0.8, 0.0, 0.5, 0.7, 0.1, 0.0, 0.6, 0.3, 0.4, 0.2);

    @Test
    void sharesBecomeTheReliabilityOfTheLastLabelKept() {
        CurriculumThresholds t = CurriculumThresholds.parse("keep:0.5, 1,0.75");
        // sorted: 0 0 .1 .2 .3 .4 .5 .6 .7 .8; all ten reach 0, the top ceil(7.5) = 8 reach 0.1, the top 5 reach 0.4
        assertThat(t.candidates(RELIABILITIES)).containsExactly(new CurriculumThresholds.Candidate("keep100", 0.0),
                new CurriculumThresholds.Candidate("keep75", 0.1), new CurriculumThresholds.Candidate("keep50", 0.4));
        for (CurriculumThresholds.Candidate c : t.candidates(RELIABILITIES)) {
            long kept = RELIABILITIES.stream().filter(r -> r >= c.threshold()).count();
            assertThat(kept).isEqualTo(c.name().equals("keep100") ? 10 : c.name().equals("keep75") ? 8 : 5);
        }
    }

    @Test
    void sharesThatKeepTheSameLabelsAreOneCandidate() {
        // 0.9 and 1 of the labels both come down to threshold 0: the two missed labels tie at the bottom
        assertThat(CurriculumThresholds.parse("keep:1,0.9").candidates(RELIABILITIES)).extracting(
                CurriculumThresholds.Candidate::name).containsExactly("keep100");
    }

    @Test
    void fixedThresholdsAreTriedInIncreasingOrderWithZeroAsTheControl() {
        CurriculumThresholds t = CurriculumThresholds.parse("0.7,0,0.3");
        assertThat(t.candidates(RELIABILITIES)).containsExactly(new CurriculumThresholds.Candidate("h0", 0.0),
                new CurriculumThresholds.Candidate("h0.3", 0.3), new CurriculumThresholds.Candidate("h0.7", 0.7));
        assertThat(CurriculumThresholds.parse(t.toString())).isEqualTo(t);
        assertThat(CurriculumThresholds.parse(CurriculumThresholds.DEFAULT).toString())
                .isEqualTo(CurriculumThresholds.DEFAULT);
    }

    @Test
    void badSpellingsAreNamed() {
        assertThatThrownBy(() -> CurriculumThresholds.parse("0.3,high")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'0.3,high'");
        assertThatThrownBy(() -> CurriculumThresholds.parse("1.5")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> CurriculumThresholds.parse("keep:0,0.5")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("shares to keep must be in (0, 1]");
    }
}
