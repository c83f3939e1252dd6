package io.rsground.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * Where a run stands, as saved in every checkpoint ({@code training-state.json}) and read back to resume it.
 *
 * @param epoch epochs completed
 * @param batchesDone batches of the current epoch already trained (a run stopped within an epoch), 0 otherwise
 * @param iteration optimisation steps so far
 * @param bestPr50 best validation Pr@0.5 so far (NaN before any validation)
 * @param plannedEpochs the epoch count a time budget fitted, or 0 when the run follows {@code optim.epochs}
 * @param seed the run's seed
 * @param policy which parameters train ({@link TrainablePolicy} name)
 * @param stagesDone the recipe's stages that completed, not to run again
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonIgnoreProperties(ignoreUnknown = true)
public record RunState(int epoch, int batchesDone, long iteration, double bestPr50, int plannedEpochs, long seed,
        String policy, List<String> stagesDone) {

    /** Keeps the list immutable. */
    public RunState {
        stagesDone = stagesDone == null ? List.of() : List.copyOf(stagesDone);
    }

    /** @return the state of a run that has not trained yet */
    public static RunState start(long seed, TrainablePolicy policy, List<String> stagesDone) {
        return new RunState(0, 0, 0, Double.NaN, 0, seed, policy.name(), stagesDone);
    }

    /** @return this state with other stages done */
    public RunState withStagesDone(List<String> stages) {
        return new RunState(epoch, batchesDone, iteration, bestPr50, plannedEpochs, seed, policy, stages);
    }
}
