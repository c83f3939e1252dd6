package io.rsground.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.config.TrainConfig;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a time budget sets the number of epochs, by hand-worked cases. */
class EpochBudgetTest {

    @Test
    void theFirstPlanFitsWhatTheLatestEpochSaysFits() {
        // two epochs done, 150 s left at 18 s an epoch: 8 more (144 s)
        assertThat(TimeBudget.fitEpochs(2, 200, 150, 18)).isEqualTo(10);
        // never more than asked for, never fewer than one
        assertThat(TimeBudget.fitEpochs(2, 5, 150, 18)).isEqualTo(5);
        assertThat(TimeBudget.fitEpochs(1, 200, -30, 18)).isEqualTo(1);
        assertThat(TimeBudget.fitEpochs(0, 200, 10, 18)).isEqualTo(1);
    }

    @Test
    void aPlanShrinksWhenLaterEpochsRunSlowerThanHalfAnEpochPastTheBudget() {
        // the demo run that overran: planned 10 at 18 s, after 7 epochs 51 s left and epochs of 21 s. Three more
        // would end 12 s late (more than half an epoch): two more
        assertThat(TimeBudget.refitEpochs(7, 10, 51, 21)).isEqualTo(9);
        // 5 s late is within half an epoch: the plan stands
        assertThat(TimeBudget.refitEpochs(7, 10, 58, 21)).isEqualTo(10);
        // faster epochs never lengthen a plan whose schedule is under way
        assertThat(TimeBudget.refitEpochs(7, 10, 200, 10)).isEqualTo(10);
        // the budget is spent: this epoch is the last
        assertThat(TimeBudget.refitEpochs(7, 10, -3, 21)).isEqualTo(7);
        // a plan already complete stays so
        assertThat(TimeBudget.refitEpochs(10, 10, -50, 21)).isEqualTo(10);
    }

    @Test
    void aBudgetedRunRunsTheEpochsItLastAnnouncedAndNoMore(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 5, 96, 5, 1, ProgressListener.NONE);
        // a thousand epochs asked for, a few seconds allowed: the plan must shrink, and the listener hear of it
        TrainConfig config = TrainConfig.builder().dataRoot(data.toString()).out(dir.resolve("out").toString())
                .preset("tiny").imsize(64).epochs(1000).batchSize(8).numWorkers(1).timeBudgetMinutes(0.05).build();
        List<Integer> plans = new ArrayList<>();
        int[] started = new int[1];
        int[] epochsDone = new int[1];
        TrainingRun.Outcome outcome = new TrainingRun(config, new TrainingRun.Listener() {
            @Override
            public void started(TrainingRun.RunInfo info) {
                started[0] = info.epochs();
                assertThat(info.timeBudgetMinutes()).isEqualTo(0.05);
            }

            @Override
            public void planned(int epochs, double secondsPerEpoch) {
                assertThat(secondsPerEpoch).isPositive();
                plans.add(epochs);
            }

            @Override
            public void epochDone(EpochLog log) {
                epochsDone[0]++;
            }
        }).run();
        assertThat(started[0]).isEqualTo(1000);
        assertThat(plans).isNotEmpty();
        assertThat(outcome.epochsCompleted()).isEqualTo(plans.get(plans.size() - 1)).isLessThan(1000);
        assertThat(epochsDone[0]).isEqualTo(outcome.epochsCompleted());
    }

    @Test
    void anEpochTheBudgetRunsOutInEndsThereIsValidatedAndEndsTheRun(@TempDir Path dir) throws Exception {
        // a budget of 6 ms is spent before the first step ends: that step is the whole run
        TrainConfig config = spentBudget(dir, 0);
        Heard heard = train(config);
        assertThat(heard.batchesPerEpoch()).isGreaterThan(2);
        assertThat(heard.batches()).containsExactly(1);
        assertThat(heard.outcome().epochsCompleted()).isEqualTo(1);
        assertThat(heard.logs()).singleElement().satisfies(l -> assertThat(l.val()).containsKey("pr50"));
        // the cut epoch counts as done: resuming its checkpoint trains nothing
        Heard again = train(config.toBuilder().resume(dir.resolve("out").resolve(TrainingRun.LAST).toString())
                .build());
        assertThat(again.batches()).isEmpty();
        assertThat(again.outcome().epochsCompleted()).isEqualTo(1);
    }

    @Test
    void aWholeEpochIsTrainedThroughWhenTheBudgetRunsOutInIt(@TempDir Path dir) throws Exception {
        // the same spent budget, but the first epoch may not be cut: all its batches, then the run ends
        Heard heard = train(spentBudget(dir, 1));
        assertThat(heard.batchesPerEpoch()).isGreaterThan(2);
        assertThat(heard.batches()).hasSize(heard.batchesPerEpoch()).endsWith(heard.batchesPerEpoch());
        assertThat(heard.outcome().epochsCompleted()).isEqualTo(1);
    }

    /**
     * @return settings of the tiny model on 30 generated scenes in {@code dir/data} (several batches per epoch)
     *     with a time budget of 6 ms and the given number of epochs it cannot cut short
     */
    private static TrainConfig spentBudget(Path dir, int wholeEpochs) throws Exception {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 30, 96, 6, 1, ProgressListener.NONE);
        return TrainConfig.builder().dataRoot(data.toString()).out(dir.resolve("out").toString()).preset("tiny")
                .imsize(64).epochs(5).batchSize(4).numWorkers(1).timeBudgetMinutes(0.0001)
                .budgetWholeEpochs(wholeEpochs).build();
    }

    /** What a run's listener heard: each step's batch number (from 1), the batches per epoch, the epoch logs. */
    private record Heard(List<Integer> batches, int batchesPerEpoch, List<EpochLog> logs,
            TrainingRun.Outcome outcome) {
    }

    private static Heard train(TrainConfig config) throws Exception {
        List<Integer> batches = new ArrayList<>();
        int[] batchesPerEpoch = new int[1];
        List<EpochLog> logs = new ArrayList<>();
        TrainingRun.Outcome outcome = new TrainingRun(config, new TrainingRun.Listener() {
            @Override
            public void step(int epoch, int batch, int epochBatches, Trainer.StepResult result) {
                batches.add(batch);
                batchesPerEpoch[0] = epochBatches;
            }

            @Override
            public void epochDone(EpochLog log) {
                logs.add(log);
            }
        }).run();
        return new Heard(batches, batchesPerEpoch[0], logs, outcome);
    }
}
