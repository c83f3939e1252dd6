package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The output of a frozen image tower, kept per image: when nothing in the image tower trains and the images are
 * prepared without augmentation, every epoch would compute the same features again. The first batch that shows an
 * image computes its features (without gradients); later ones copy them. The cache holds at most a given number of
 * bytes; images beyond that are encoded at every use, still without gradients.
 *
 * <p>Only for use by one training thread.
 */
final class VisualFeatureCache {
    private final ClipVgModel model;
    private final IntFunction<String> imageOfSample;
    private final long maxBytes;
    private final Map<String, float[]> features = new HashMap<>();
    private long bytes;
    private long hits;
    private long misses;

    /**
     * @param model the model whose image tower is frozen
     * @param imageOfSample the image (any stable key, e.g. its file) of a sample, by global sample index
     * @param maxBytes the most feature memory to keep
     */
    VisualFeatureCache(ClipVgModel model, IntFunction<String> imageOfSample, long maxBytes) {
        this.model = model;
        this.imageOfSample = imageOfSample;
        this.maxBytes = maxBytes;
    }

    /**
     * @param manager where the result (and temporaries) live
     * @param pixels [B, 3, S, S] the batch's images (read only for images not cached yet)
     * @param batch the batch (its sample indices name the images)
     * @return [B, 1 + P, W * n] the image tower's multi-level features, no gradient attached
     */
    NDArray features(NDManager manager, NDArray pixels, Batch batch) {
        int b = batch.size();
        String[] keys = new String[b];
        List<Integer> missing = new ArrayList<>();
        Map<String, Integer> firstRow = new HashMap<>();
        for (int i = 0; i < b; i++) {
            keys[i] = imageOfSample.apply(batch.sampleIndices()[i]);
            if (!features.containsKey(keys[i]) && firstRow.putIfAbsent(keys[i], i) == null) {
                missing.add(i);
            }
        }
        Map<String, float[]> fresh = new HashMap<>();
        long rowLength = 0;
        if (!missing.isEmpty()) {
            long[] rows = missing.stream().mapToLong(Integer::longValue).toArray();
            boolean gradMode = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                NDArray encoded = model.encodeImage(null, pixels.get(new NDIndex("{}", manager.create(rows))), false);
                Shape shape = encoded.getShape();
                rowLength = shape.get(1) * shape.get(2);
                float[] all = encoded.toFloatArray();
                for (int j = 0; j < rows.length; j++) {
                    float[] row = new float[(int) rowLength];
                    System.arraycopy(all, (int) (j * rowLength), row, 0, (int) rowLength);
                    String key = keys[(int) rows[j]];
                    fresh.put(key, row);
                    if (bytes + rowLength * Float.BYTES <= maxBytes) {
                        features.put(key, row);
                        bytes += rowLength * Float.BYTES;
                    }
                }
                misses += rows.length;
            } finally {
                JniUtils.setGradMode(gradMode);
            }
        }
        float[] first = fresh.isEmpty() ? features.get(keys[0]) : fresh.values().iterator().next();
        rowLength = first.length;
        float[] out = new float[(int) (b * rowLength)];
        for (int i = 0; i < b; i++) {
            float[] row = fresh.containsKey(keys[i]) ? fresh.get(keys[i]) : features.get(keys[i]);
            System.arraycopy(row, 0, out, (int) (i * rowLength), (int) rowLength);
            if (!fresh.containsKey(keys[i])) {
                hits++;
            }
        }
        int tokens = 1 + model.config().vision().numPatches();
        return manager.create(out, new Shape(b, tokens, rowLength / tokens));
    }

    /** @return images whose features are kept */
    int images() {
        return features.size();
    }

    /** @return bytes of features kept */
    long bytes() {
        return bytes;
    }

    /** @return rows served from the cache, and rows encoded */
    long[] hitsAndMisses() {
        return new long[] {hits, misses};
    }
}
