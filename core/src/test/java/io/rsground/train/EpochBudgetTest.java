package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a time budget sets the number of epochs, by hand-worked cases. */
class EpochBudgetTest {

    @Test
    void theFirstPlanFitsWhatTheLatestEpochSaysFits() {
        // two epochs done, 150 s left at 18 s an epoch: 8 more (144 s)
        assertThat(TrainingRun.fitEpochs(2, 200, 150, 18)).isEqualTo(10);
        // never more than asked for, never fewer than one
        assertThat(TrainingRun.fitEpochs(2, 5, 150, 18)).isEqualTo(5);
        assertThat(TrainingRun.fitEpochs(1, 200, -30, 18)).isEqualTo(1);
        assertThat(TrainingRun.fitEpochs(0, 200, 10, 18)).isEqualTo(1);
    }

    @Test
    void aPlanShrinksWhenLaterEpochsRunSlowerThanHalfAnEpochPastTheBudget() {
        // the demo run that overran: planned 10 at 18 s, after 7 epochs 51 s left and epochs of 21 s. Three more
        // would end 12 s late (more than half an epoch): two more
        assertThat(TrainingRun.refitEpochs(7, 10, 51, 21)).isEqualTo(9);
        // 5 s late is within half an epoch: the plan stands
        assertThat(TrainingRun.refitEpochs(7, 10, 58, 21)).isEqualTo(10);
        // faster epochs never lengthen a plan whose schedule is under way
        assertThat(TrainingRun.refitEpochs(7, 10, 200, 10)).isEqualTo(10);
        // the budget is spent: this epoch is the last
        assertThat(TrainingRun.refitEpochs(7, 10, -3, 21)).isEqualTo(7);
        // a plan already complete stays so
        assertThat(TrainingRun.refitEpochs(10, 10, -50, 21)).isEqualTo(10);
    }
}
