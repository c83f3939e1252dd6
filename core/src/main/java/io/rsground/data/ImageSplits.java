package io.rsground.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Splits a data set by image, so that no image of the test split is seen in training: images in a seeded random
 * order, each given to the split furthest below its share of the objects counted before it.
 */
public final class ImageSplits {

    /** Split shares of objects: train, val, test (the order of {@link SplitChecker#SPLIT_NAMES}). */
    public static final double[] SHARES = {0.7, 0.1, 0.2};

    private ImageSplits() {
    }

    /**
     * The image's own count stays out of the choice: counted in, it raised the largest split's deficit most, so
     * crowded images went to training and the other splits held fewer, larger objects.
     *
     * @param counts per image, the number of objects (expressions) it holds
     * @param rng the random source of the order; the same source gives the same splits
     * @return per image the split number (0 train, 1 val, 2 test), -1 for an image without objects
     */
    public static int[] assign(long[] counts, SplittableRandom rng) {
        int n = counts.length;
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] split = new int[n];
        Arrays.fill(split, -1);
        long[] have = new long[SHARES.length];
        long total = 0;
        for (int i : order) {
            long count = counts[i];
            if (count == 0) {
                continue;
            }
            int best = 0;
            double bestDeficit = Double.NEGATIVE_INFINITY;
            for (int s = 0; s < SHARES.length; s++) {
                double deficit = SHARES[s] * total - have[s];
                if (deficit > bestDeficit) {
                    bestDeficit = deficit;
                    best = s;
                }
            }
            split[i] = best;
            have[best] += count;
            total += count;
        }
        return split;
    }
}
