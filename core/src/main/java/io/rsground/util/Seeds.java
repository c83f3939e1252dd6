package io.rsground.util;

/**
 * Seeds derived from a run's seed and a position in it (SplitMix64's finaliser), so that every random stream is a
 * function of where it is used, not of the order in which threads happen to ask: nearby inputs give unrelated
 * streams, and a resumed run draws what the uninterrupted one would have.
 */
public final class Seeds {
    private Seeds() {
    }

    /** @return SplitMix64's 64-bit finaliser of {@code z}: every input bit affects every output bit */
    public static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The engine generator's seed for one training step (dropout and any other engine randomness).
     *
     * @param seed the run's seed
     * @param epoch 0-based epoch
     * @param batch 0-based batch within the epoch
     * @return a non-negative int seed
     */
    public static int forStep(long seed, int epoch, int batch) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + batch * 0x94D049BB133111EBL;
        return (int) (mix64(z) & 0x7fffffff);
    }
}
