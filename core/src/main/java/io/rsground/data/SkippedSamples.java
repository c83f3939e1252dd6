package io.rsground.data;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples left out while a run goes on (an image truncated after the data check, say): each is logged once and
 * counted, so a training or evaluation run can report how many it skipped instead of stopping. Thread-safe.
 */
public final class SkippedSamples {
    private static final Logger LOG = LoggerFactory.getLogger(SkippedSamples.class);

    /** Reasons kept for the summary; the count goes on past this. */
    static final int KEPT = 100;

    private final List<String> reasons = new ArrayList<>();
    private int count;

    /**
     * Records and logs one skipped sample.
     *
     * @param sample the sample left out
     * @param cause why
     */
    public synchronized void skip(Sample sample, Exception cause) {
        count++;
        String reason = "sample " + sample.index() + " (" + sample.origin() + "): " + cause.getMessage();
        if (reasons.size() < KEPT) {
            reasons.add(reason);
        }
        LOG.warn("skipping {}", reason);
    }

    /** @return how many samples were skipped */
    public synchronized int count() {
        return count;
    }

    /** @return the first {@value #KEPT} reasons, in the order they were recorded */
    public synchronized List<String> reasons() {
        return List.copyOf(reasons);
    }
}
