package io.rsground.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The reference's per-epoch learning-rate schedules ({@code --lr-scheduler}), as factors of the base rate, with an
 * optional linear warm-up measured in iterations.
 *
 * @param kind which formula
 * @param epochs total epochs E
 * @param lrDrop epochs between x0.1 drops (step)
 * @param power exponent (poly)
 * @param gamma per-epoch factor (exponential)
 * @param warmupEpochs epochs of linear warm-up (0 for none, the reference's choice)
 */
public record LrSchedule(Kind kind, int epochs, int lrDrop, double power, double gamma, double warmupEpochs) {

    /** The formulas, factor of the base rate at epoch e (0-based) of E. */
    public enum Kind {
        /** {@code 0.5 * (1 + cos(pi * e / E))}. */
        COSINE,
        /** {@code 0.1 ^ (e // lr_drop)}. */
        STEP,
        /** {@code (1 - e / E) ^ power}. */
        POLY,
        /** {@code 0.5 ^ floor(e / (E / 10))}. */
        HALFDECAY,
        /** {@code gamma ^ e}. */
        EXPONENTIAL;

        /** @return the kind for a command-line name, or an error listing the known ones */
        public static Kind parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown lr scheduler '" + name + "'; known: " + Arrays.stream(
                        values()).map(k -> k.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")), e);
            }
        }
    }

    public LrSchedule {
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        }
        if (kind == Kind.STEP && lrDrop <= 0) {
            throw new IllegalArgumentException("lr_drop must be positive for the step schedule, got " + lrDrop);
        }
        if (warmupEpochs < 0) {
            throw new IllegalArgumentException("warmup epochs must not be negative, got " + warmupEpochs);
        }
    }

    /**
     * The schedule of a stage planned in steps or minutes rather than epochs: a linear warm-up over the first
     * steps, then a cosine decay over the plan.
     *
     * @param step 0-based step
     * @param warmupSteps steps of warm-up, at least 1
     * @param fraction share of the plan spent, 0..1
     * @return the factor of the peak rate
     */
    public static double warmupCosine(int step, int warmupSteps, double fraction) {
        return Math.min(1, (step + 1.0) / warmupSteps) * 0.5 * (1 + Math.cos(Math.PI * fraction));
    }

    /** @return the reference's default schedule for a run of the given length (cosine, no warm-up) */
    public static LrSchedule cosine(int epochs) {
        return new LrSchedule(Kind.COSINE, epochs, 60, 0.9, 0.9, 0);
    }

    /**
     * @param epoch 0-based epoch
     * @return the schedule's factor for that epoch, without warm-up
     */
    public double epochFactor(int epoch) {
        return switch (kind) {
            case COSINE -> 0.5 * (1 + Math.cos(Math.PI * epoch / epochs));
            case STEP -> Math.pow(0.1, epoch / lrDrop);
            case POLY -> Math.pow(Math.max(0, 1 - (double) epoch / epochs), power);
            case HALFDECAY -> Math.pow(0.5, Math.floor(epoch / (epochs / 10.0)));
            case EXPONENTIAL -> Math.pow(gamma, epoch);
        };
    }

    /**
     * @param epoch 0-based epoch
     * @param iteration 0-based iteration within the epoch
     * @param iterationsPerEpoch iterations in an epoch
     * @return the factor of the base rate for that iteration: the epoch factor, times a linear ramp from
     *     1/(warm-up iterations) to 1 during warm-up
     */
    public double factor(int epoch, int iteration, int iterationsPerEpoch) {
        double f = epochFactor(epoch);
        double warmupIterations = warmupEpochs * iterationsPerEpoch;
        long done = (long) epoch * iterationsPerEpoch + iteration;
        if (done < warmupIterations) {
            f *= (done + 1) / warmupIterations;
        }
        return f;
    }
}
