package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import io.rsground.model.HostArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * The output of a frozen image tower, kept per image: when nothing in the image tower trains and the images are
 * prepared without augmentation, every epoch would compute the same features again. The first batch that shows an
 * image computes its features (without gradients); later ones copy them. The cache holds at most a given number of
 * bytes; images beyond that are encoded at every use, still without gradients.
 *
 * <p>Only for use by one training thread, except {@link #holds}, which loader threads may ask.
 */
final class VisualFeatureCache {
    private final ClipVgModel model;
    private final IntFunction<String> imageOfSample;
    private final long maxBytes;
    /** Placeholder while an image's features are being computed within one batch. */
    private static final float[] EMPTY = new float[0];
    private final Map<String, float[]> features = new HashMap<>();
    /** The keys of {@link #features}, for other threads to ask about. */
    private final Set<String> kept = ConcurrentHashMap.newKeySet();
    private long bytes;

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
     * @param batch the batch: its sample indices name the images, its pixels are read only for images not cached
     * @return [B, 1 + P, W * n] the image tower's multi-level features, no gradient attached
     */
    NDArray features(NDManager manager, Batch batch) {
        int b = batch.size();
        int tokens = 1 + model.config().vision().numPatches();
        int width = model.config().vision().multiLevelWidth();
        int rowLength = tokens * width;
        String[] keys = new String[b];
        Map<String, float[]> rows = new HashMap<>();
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            keys[i] = imageOfSample.apply(batch.sampleIndices()[i]);
            float[] cached = features.get(keys[i]);
            if (cached != null) {
                rows.put(keys[i], cached);
            } else if (rows.putIfAbsent(keys[i], EMPTY) == null) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            int plane = 3 * batch.imageSize() * batch.imageSize();
            float[] pixels = new float[missing.size() * plane];
            for (int j = 0; j < missing.size(); j++) {
                System.arraycopy(batch.pixels(), missing.get(j) * plane, pixels, j * plane, plane);
            }
            boolean gradMode = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                float[] all = model.encodeImage(null, HostArrays.create(manager, pixels, new Shape(missing.size(), 3,
                        batch.imageSize(), batch.imageSize())), false).toFloatArray();
                for (int j = 0; j < missing.size(); j++) {
                    float[] row = Arrays.copyOfRange(all, j * rowLength, (j + 1) * rowLength);
                    String key = keys[missing.get(j)];
                    rows.put(key, row);
                    if (bytes + (long) rowLength * Float.BYTES <= maxBytes) {
                        features.put(key, row);
                        kept.add(key);
                        bytes += (long) rowLength * Float.BYTES;
                    }
                }
            } finally {
                JniUtils.setGradMode(gradMode);
            }
        }
        float[] out = new float[b * rowLength];
        for (int i = 0; i < b; i++) {
            System.arraycopy(rows.get(keys[i]), 0, out, i * rowLength, rowLength);
        }
        return HostArrays.create(manager, out, new Shape(b, tokens, width));
    }

    /**
     * @param sampleIndex a sample's global index
     * @return true when the features of the sample's image are kept, so its pixels are no longer needed (safe to
     *     ask from any thread: once kept, features stay)
     */
    boolean holds(int sampleIndex) {
        String key = imageOfSample.apply(sampleIndex);
        return key != null && kept.contains(key);
    }

    /** @return images whose features are kept */
    int images() {
        return features.size();
    }
}
