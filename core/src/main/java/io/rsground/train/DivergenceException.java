package io.rsground.train;

/** Training produced a non-finite loss; the message says what to change. */
public class DivergenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int epoch;
    private final long iteration;

    public DivergenceException(int epoch, long iteration, String message) {
        super(message);
        this.epoch = epoch;
        this.iteration = iteration;
    }

    /** @return the 0-based epoch in which the loss diverged */
    public int epoch() {
        return epoch;
    }

    /** @return the iteration (counted over the whole run) at which it diverged */
    public long iteration() {
        return iteration;
    }
}
