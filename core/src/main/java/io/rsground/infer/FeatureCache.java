package io.rsground.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small least-recently-used cache of image features keyed by image content, so that an image asked about again
 * (a user typing query after query) skips the image tower. Entries live in the cache's own manager; readers get a
 * copy attached to their manager, so eviction never frees an array a reader still uses.
 */
final class FeatureCache implements AutoCloseable {
    private final int capacity;
    private final NDManager manager;
    private final LinkedHashMap<String, NDArray> entries;
    private long hits;
    private long misses;

    /**
     * @param capacity entries kept (0 disables the cache)
     * @param parent manager the cache's arrays hang under
     */
    FeatureCache(int capacity, NDManager parent) {
        this.capacity = capacity;
        this.manager = parent.newSubManager();
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    /**
     * @param key content key of the image
     * @param into manager that owns the returned copy
     * @return a copy of the cached features [1, 1 + P, W * n], or null
     */
    synchronized NDArray get(String key, NDManager into) {
        NDArray cached = entries.get(key);
        if (cached == null) {
            misses++;
            return null;
        }
        hits++;
        NDArray copy = cached.duplicate();
        copy.attach(into);
        return copy;
    }

    /** Stores a copy of the features. */
    synchronized void put(String key, NDArray features) {
        if (capacity <= 0 || entries.containsKey(key)) {
            return;
        }
        NDArray copy = features.duplicate();
        copy.attach(manager);
        NDScope.unregister(copy); // outlives the grounding pass that made it
        entries.put(key, copy);
        if (entries.size() > capacity) {
            Map.Entry<String, NDArray> eldest = entries.entrySet().iterator().next();
            entries.remove(eldest.getKey());
            eldest.getValue().close();
        }
    }

    /** @return hits and misses so far */
    synchronized long[] stats() {
        return new long[] {hits, misses};
    }

    @Override
    public synchronized void close() {
        entries.clear();
        manager.close();
    }
}
