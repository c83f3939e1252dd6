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
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 30, 96, 6, 1, ProgressListener.NONE);
        // a budget of 6 ms is spent before the first step ends: that step is the whole run
        TrainConfig config = TrainConfig.builder().dataRoot(data.toString()).out(dir.resolve("out").toString())
                .preset("tiny").imsize(64).epochs(5).batchSize(4).numWorkers(1).timeBudgetMinutes(0.0001).build();
        List<Integer> batchesHeard = new ArrayList<>();
        int[] batchesPerEpoch = new int[1];
        List<EpochLog> logs = new ArrayList<>();
        TrainingRun.Outcome outcome = new TrainingRun(config, new TrainingRun.Listener() {
            @Override
            public void step(int epoch, int batch, int batches, Trainer.StepResult result) {
                batchesHeard.add(batch);
                batchesPerEpoch[0] = batches;
            }

            @Override
            public void epochDone(EpochLog log) {
                logs.add(log);
            }
        }).run();
        assertThat(batchesPerEpoch[0]).isGreaterThan(2);
        assertThat(batchesHeard).containsExactly(1);
        assertThat(outcome.epochsCompleted()).isEqualTo(1);
        assertThat(logs).singleElement().satisfies(l -> assertThat(l.val()).containsKey("pr50"));
        // the cut epoch counts as done: resuming its checkpoint trains nothing
        batchesHeard.clear();
        TrainConfig resumed = config.toBuilder().resume(dir.resolve("out").resolve(TrainingRun.LAST).toString())
                .build();
        TrainingRun.Outcome again = new TrainingRun(resumed, new TrainingRun.Listener() {
            @Override
            public void step(int epoch, int batch, int batches, Trainer.StepResult result) {
                batchesHeard.add(batch);
            }
        }).run();
        assertThat(batchesHeard).isEmpty();
        assertThat(again.epochsCompleted()).isEqualTo(1);
    }

    @Test
    void aWholeEpochIsTrainedThroughWhenTheBudgetRunsOutInIt(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 30, 96, 6, 1, ProgressListener.NONE);
        // the same spent budget as above, but the first epoch may not be cut: all its batches, then the run ends
        TrainConfig config = TrainConfig.builder().dataRoot(data.toString()).out(dir.resolve("out").toString())
                .preset("tiny").imsize(64).epochs(5).batchSize(4).numWorkers(1).timeBudgetMinutes(0.0001)
                .budgetWholeEpochs(1).build();
        List<Integer> batchesHeard = new ArrayList<>();
        int[] batchesPerEpoch = new int[1];
        TrainingRun.Outcome outcome = new TrainingRun(config, new TrainingRun.Listener() {
            @Override
            public void step(int epoch, int batch, int batches, Trainer.StepResult result) {
                batchesHeard.add(batch);
                batchesPerEpoch[0] = batches;
            }
        }).run();
        assertThat(batchesPerEpoch[0]).isGreaterThan(2);
        assertThat(batchesHeard).hasSize(batchesPerEpoch[0]).endsWith(batchesPerEpoch[0]);
        assertThat(outcome.epochsCompleted()).isEqualTo(1);
    }
}
