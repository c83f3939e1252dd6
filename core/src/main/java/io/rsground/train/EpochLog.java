package io.rsground.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Map;

/**
 * One line of {@code log.jsonl}: what an epoch did.
 *
 * @param epoch 1-based epoch
 * @param trainLoss mean training loss
 * @param train mean of each training loss term
 * @param valLoss mean validation box loss (L1 + GIoU with the run's weights), NaN without validation
 * @param val validation metrics in pixels ("pr50" ... "cum_iou") and loss terms ("l1", "giou")
 * @param lr learning rates at the end of the epoch ("fusion", "clip")
 * @param seconds wall time of the epoch, validation included
 * @param samplesPerSecond training samples per second (validation excluded)
 * @param skipped samples skipped so far because their image could not be read
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EpochLog(int epoch, double trainLoss, Map<String, Double> train, Double valLoss,
        Map<String, Double> val, Map<String, Double> lr, double seconds, double samplesPerSecond, long skipped) {

    /** @return validation Pr@0.5, or NaN */
    public double valPr50() {
        return val == null ? Double.NaN : val.getOrDefault("pr50", Double.NaN);
    }

    /** @return validation meanIoU, or NaN */
    public double valMeanIou() {
        return val == null ? Double.NaN : val.getOrDefault("mean_iou", Double.NaN);
    }
}
