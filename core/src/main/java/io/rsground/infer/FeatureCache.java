package io.rsground.infer;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The image tower's output kept per image, so that an image seen again skips the tower: a user typing query after
 * query, evaluation visiting the expressions of one image, every epoch of a run whose image tower is frozen. Keys
 * name an image (its content hash, its file); values are the features [1 + P, W * n] as host floats, copied in and
 * out so that no reader ever holds memory the cache frees.
 *
 * <p>Bounded by entries and bytes. When full, {@link WhenFull#EVICT_LEAST_RECENT} drops the least recently used
 * image (an interactive user moves on), {@link WhenFull#KEEP_FIRST} keeps what it has and stores nothing more (a
 * training run visits every image once per epoch in a new order, which least-recently-used would turn into no hits
 * at all). Thread-safe.
 *
 * <p>Features computed elsewhere can back the cache ({@link #readFrom}): those images are read from their memory-mapped
 * files at every use and never copied into the cache, so they count against neither bound.
 */
public final class FeatureCache {
    /** What a full cache does with a new image. */
    public enum WhenFull {
        EVICT_LEAST_RECENT,
        KEEP_FIRST
    }

    private final int maxEntries;
    private final long maxBytes;
    private final WhenFull whenFull;
    private final LinkedHashMap<String, float[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    /** The keys of {@link #entries}, for threads that only ask whether an image is kept. */
    private final Set<String> kept = ConcurrentHashMap.newKeySet();
    private volatile MappedImageFeatures stored;
    private long bytes;
    private long hits;
    private long misses;

    /**
     * @param maxEntries images kept at most (0 disables the cache)
     * @param maxBytes feature bytes kept at most
     * @param whenFull what a full cache does with a new image
     */
    public FeatureCache(int maxEntries, long maxBytes, WhenFull whenFull) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.whenFull = whenFull;
    }

    /** @return a cache of the {@code entries} most recently used images */
    public static FeatureCache recent(int entries) {
        return new FeatureCache(entries, Long.MAX_VALUE, WhenFull.EVICT_LEAST_RECENT);
    }

    /** @return a cache of the first images stored, up to {@code maxBytes} of features */
    public static FeatureCache firstUpTo(long maxBytes) {
        return new FeatureCache(Integer.MAX_VALUE, maxBytes, WhenFull.KEEP_FIRST);
    }

    /**
     * @param key the image's key
     * @return its features [1 + P, W * n] row-major (shared: do not modify; a fresh copy for an image of the backing
     *     files), or null
     */
    public float[] get(String key) {
        MappedImageFeatures files = stored;
        if (files != null && files.holds(key)) {
            synchronized (this) {
                hits++;
            }
            return files.read(key); // outside the lock: concurrent readers copy from the mapping side by side
        }
        return getKept(key);
    }

    private synchronized float[] getKept(String key) {
        float[] f = entries.get(key);
        if (f == null) {
            misses++;
        } else {
            hits++;
        }
        return f;
    }

    /**
     * Keeps an image's features, if the cache has room for them (or makes room, when it evicts).
     *
     * @param key the image's key
     * @param features [1 + P, W * n] row-major; kept as given, not copied: do not modify afterwards
     */
    public synchronized void put(String key, float[] features) {
        long size = (long) features.length * Float.BYTES;
        MappedImageFeatures files = stored;
        if (maxEntries <= 0 || size > maxBytes || entries.containsKey(key) || (files != null && files.holds(key))) {
            return;
        }
        while (entries.size() >= maxEntries || bytes + size > maxBytes) {
            if (whenFull == WhenFull.KEEP_FIRST || entries.isEmpty()) {
                return;
            }
            Map.Entry<String, float[]> eldest = entries.entrySet().iterator().next();
            entries.remove(eldest.getKey());
            kept.remove(eldest.getKey());
            bytes -= (long) eldest.getValue().length * Float.BYTES;
        }
        entries.put(key, features);
        kept.add(key);
        bytes += size;
    }

    /**
     * Backs the cache with features in files: {@link #get} reads their images from the mapping, {@link #put} leaves
     * them out.
     *
     * @param files features [1 + P, W * n] by the keys this cache uses
     */
    public void readFrom(MappedImageFeatures files) {
        stored = files;
    }

    /** @return images the backing files hold (0 without any) */
    public int storedImages() {
        MappedImageFeatures files = stored;
        return files == null ? 0 : files.size();
    }

    /** @return whether the cache keeps anything at all (a cache of 0 entries does not) */
    public boolean enabled() {
        return maxEntries > 0;
    }

    /** @return true when the image's features are kept or in the backing files (safe to ask from any thread, without locking) */
    public boolean holds(String key) {
        MappedImageFeatures files = stored;
        return key != null && (kept.contains(key) || (files != null && files.holds(key)));
    }

    /** @return images kept on the heap (those of the backing files not counted) */
    public synchronized int size() {
        return entries.size();
    }

    /** @return hits and misses of {@link #get} so far */
    public synchronized long[] stats() {
        return new long[] {hits, misses};
    }
}
