package io.rsground.train;

/**
 * A wall-clock budget for a run: an epoch that the budget runs out in ends there (after its step, before
 * validation), unless it is one of the first {@code wholeEpochs}; after each of the first epochs the epoch count is
 * fitted to the time left, judged by the latest epoch (the second is the better guide: the first pays for warming up
 * the engine); later, a plan is only shortened, when epochs have become slower than the ones it was made from.
 */
final class TimeBudget {
    private final double minutes;
    private final long startNanos;
    private final int most;
    private final int wholeEpochs;

    /**
     * @param minutes the budget, counted from {@code startNanos} (stages included)
     * @param startNanos when the run started ({@link System#nanoTime})
     * @param most the most epochs asked for
     * @param wholeEpochs the first epochs the budget cannot end early or plan away (at most {@code most} count)
     */
    TimeBudget(double minutes, long startNanos, int most, int wholeEpochs) {
        this.minutes = minutes;
        this.startNanos = startNanos;
        this.most = most;
        this.wholeEpochs = Math.min(wholeEpochs, most);
    }

    /**
     * @param epoch an epoch, counted from 0
     * @return whether the budget may end that epoch before its last batch
     */
    boolean mayCut(int epoch) {
        return epoch >= wholeEpochs;
    }

    /**
     * @param fitting true while the plan is still being fitted (the run's first two epochs, unless it resumed with
     *     a fitted plan)
     * @param done epochs completed
     * @param planned the current plan
     * @param secondsPerEpoch what the latest epoch took, validation included
     * @return the epochs to run in all
     */
    int replan(boolean fitting, int done, int planned, double secondsPerEpoch) {
        double left = secondsLeft();
        int epochs = fitting ? fitEpochs(done, most, left, secondsPerEpoch) : refitEpochs(done, planned, left,
                secondsPerEpoch);
        return Math.max(epochs, wholeEpochs);
    }

    /** @return seconds of the budget left now, negative once it is overrun */
    double secondsLeft() {
        return minutes * 60 - (System.nanoTime() - startNanos) / 1e9;
    }

    /** @return the budget in minutes */
    double minutes() {
        return minutes;
    }

    /**
     * The epoch count that fits a time budget, judged by the latest epoch.
     *
     * @param done epochs completed
     * @param most the most epochs asked for
     * @param secondsLeft budget left, in seconds (may be negative)
     * @param perEpoch seconds the latest epoch took
     * @return done plus as many epochs as fit, at least 1 and at most {@code most}
     */
    static int fitEpochs(int done, int most, double secondsLeft, double perEpoch) {
        int fit = done + (int) Math.floor(Math.max(0, secondsLeft) / perEpoch);
        return Math.max(1, Math.min(most, fit));
    }

    /**
     * A plan made earlier, shortened when the epochs have become slower: the last epochs are dropped rather than
     * overrun the budget by more than half an epoch; a plan is never lengthened (its schedule is under way).
     *
     * @param done epochs completed
     * @param planned the current plan
     * @param secondsLeft budget left, in seconds (may be negative)
     * @param perEpoch seconds the latest epoch took
     * @return the epochs to run in all, between {@code done} and {@code planned}
     */
    static int refitEpochs(int done, int planned, double secondsLeft, double perEpoch) {
        if ((planned - done) * perEpoch <= secondsLeft + perEpoch / 2) {
            return planned;
        }
        return Math.min(planned, done + (int) Math.floor(Math.max(0, secondsLeft + perEpoch / 2) / perEpoch));
    }
}
