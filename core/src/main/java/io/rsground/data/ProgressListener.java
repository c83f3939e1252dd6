package io.rsground.data;

/** Told how far a long data operation has come; called from worker threads, so implementations must be thread-safe. */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that ignores progress. */
    ProgressListener NONE = (done, total) -> { };

    /**
     * @param done items finished so far
     * @param total items in all
     */
    void progress(int done, int total);
}
