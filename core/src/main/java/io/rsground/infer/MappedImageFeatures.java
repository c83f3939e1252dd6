package io.rsground.infer;

import io.rsground.config.ConfigException;
import io.rsground.weights.Dtype;
import io.rsground.weights.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Image features read from safetensors shards through memory-mapped files, one image at a time: the index (key ->
 * shard, byte offset, length) is built once from the shards' headers, and each read copies one image's floats out of
 * the mapping. The heap holds only the index; the operating system's page cache keeps whatever of the files fits in
 * memory, so feature sets far larger than the heap (DIOR-RSVG's 42 GB for ViT-B/16) can be read batch by batch.
 *
 * <p>A {@link ByteBuffer} addresses at most 2 GB, so each shard is mapped in regions of whole tensors, each at most
 * {@link #MAX_REGION_BYTES} long. Thread-safe: reads never move a shared buffer's position.
 */
public final class MappedImageFeatures {
    /** The longest region one mapping covers: a {@link ByteBuffer}'s limit. */
    public static final long MAX_REGION_BYTES = Integer.MAX_VALUE;

    /** Where one image's features lie: a mapped region and the float32 values' byte offset in it. */
    private record Location(ByteBuffer region, int offset, int floats) {
    }

    private final Map<String, Location> index;
    private final int regions;

    private MappedImageFeatures(Map<String, Location> index, int regions) {
        this.index = index;
        this.regions = regions;
    }

    /**
     * Maps the wanted tensors of each shard, after checking each is float32 of the expected size.
     *
     * @param keysByShard the keys to read from each shard file
     * @param floatsPerImage values each tensor must hold ([1 + P, W * n] flattened)
     * @param maxRegionBytes the longest region one mapping may cover ({@link #MAX_REGION_BYTES}; less in tests)
     * @return the index of every key given
     * @throws io.rsground.weights.WeightFileException naming the shard and the tensor when a header is invalid or
     *     the file is shorter than its header says (truncated)
     * @throws ConfigException naming the shard and the tensor when a key is missing, not float32 or of another size
     */
    public static MappedImageFeatures map(Map<Path, ? extends Collection<String>> keysByShard, long floatsPerImage,
            long maxRegionBytes) throws IOException {
        Map<String, Location> index = new HashMap<>();
        int regions = 0;
        for (Map.Entry<Path, ? extends Collection<String>> e : keysByShard.entrySet()) {
            regions += mapShard(e.getKey(), e.getValue(), floatsPerImage, maxRegionBytes, index);
        }
        return new MappedImageFeatures(index, regions);
    }

    /** @return the number of regions mapped */
    private static int mapShard(Path shard, Collection<String> keys, long floatsPerImage, long maxRegionBytes,
            Map<String, Location> index) throws IOException {
        SafeTensors.Header header = SafeTensors.readHeader(shard);
        List<SafeTensors.TensorInfo> wanted = new ArrayList<>();
        for (String key : keys) {
            SafeTensors.TensorInfo t = header.tensors().get(key);
            if (t == null || t.dtype() != Dtype.F32 || t.numel() != floatsPerImage) {
                throw new ConfigException(shard + ": tensor '" + key + "' is "
                        + (t == null ? "missing" : t.dtype() + " " + Arrays.toString(t.shape()))
                        + "; expected F32 [1 + patches, width x levels] = " + floatsPerImage + " values");
            }
            if (t.end() - t.begin() > maxRegionBytes) {
                throw new ConfigException(shard + ": tensor '" + key + "' spans " + (t.end() - t.begin())
                        + " bytes, more than one mapping holds (" + maxRegionBytes + ")");
            }
            wanted.add(t);
        }
        wanted.sort(Comparator.comparingLong(SafeTensors.TensorInfo::begin));
        int regions = 0;
        try (FileChannel channel = FileChannel.open(shard, StandardOpenOption.READ)) {
            int first = 0;
            while (first < wanted.size()) {
                long start = header.dataStart() + wanted.get(first).begin();
                int last = first;
                while (last + 1 < wanted.size()
                        && header.dataStart() + wanted.get(last + 1).end() - start <= maxRegionBytes) {
                    last++;
                }
                long length = header.dataStart() + wanted.get(last).end() - start;
                // the mapping stays valid after the channel closes
                MappedByteBuffer region = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
                for (int i = first; i <= last; i++) {
                    SafeTensors.TensorInfo t = wanted.get(i);
                    index.put(t.name(), new Location(region,
                            (int) (header.dataStart() + t.begin() - start), (int) t.numel()));
                }
                regions++;
                first = last + 1;
            }
        }
        return regions;
    }

    /** @return whether the image's features are in the files */
    public boolean holds(String key) {
        return index.containsKey(key);
    }

    /** @return the keys whose features the files hold */
    public Set<String> keys() {
        return Collections.unmodifiableSet(index.keySet());
    }

    /** @return the number of images indexed */
    public int size() {
        return index.size();
    }

    /** @return the number of mapped regions (one per shard unless a shard exceeds the region limit) */
    public int regions() {
        return regions;
    }

    /**
     * Copies one image's features out of its mapping.
     *
     * @param key the image's key
     * @return its features [1 + P, W * n] row-major, a new array
     * @throws IllegalArgumentException when the files do not hold the key
     */
    public float[] read(String key) {
        Location at = index.get(key);
        if (at == null) {
            throw new IllegalArgumentException("no features for '" + key + "' in the mapped shards");
        }
        float[] out = new float[at.floats()];
        at.region().slice(at.offset(), at.floats() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                .get(out);
        return out;
    }

    /**
     * @param renaming for each new key, the key it reads
     * @return the same mappings under new keys (those whose old key the files do not hold are left out)
     */
    public MappedImageFeatures renamed(Map<String, String> renaming) {
        Map<String, Location> out = new HashMap<>();
        renaming.forEach((newKey, oldKey) -> {
            Location at = index.get(oldKey);
            if (at != null) {
                out.put(newKey, at);
            }
        });
        return new MappedImageFeatures(out, regions);
    }
}
