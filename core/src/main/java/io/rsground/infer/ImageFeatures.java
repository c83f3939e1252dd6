package io.rsground.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import io.rsground.model.HostArrays;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The image tower's output for the rows of a batch, each distinct image encoded once: the expressions of one image
 * share its features, and kept ones come from a {@link FeatureCache}. Callers hold gradients off (the tower is not
 * trained through this path).
 */
public final class ImageFeatures {
    private ImageFeatures() {
    }

    /**
     * Without a cache: the rows' distinct images (a row equal to the previous one in pixels and patch mask is the
     * same image) run through the tower once, and the result is gathered back to one row per sample.
     *
     * @param scope where the result lives
     * @param batch prepared samples
     * @return [B, 1 + P, W * n]
     */
    public static NDArray ofBatch(ClipVgModel model, NDManager scope, Batch batch) {
        int b = batch.size();
        int s = batch.imageSize();
        int[] imageOfRow = sameImageAsPrevious(batch);
        int images = b == 0 ? 0 : imageOfRow[b - 1] + 1;
        float[] pixels = batch.pixels();
        if (images < b) {
            int plane = 3 * s * s;
            pixels = new float[images * plane];
            for (int i = 0; i < b; i++) {
                if (i == 0 || imageOfRow[i] != imageOfRow[i - 1]) {
                    System.arraycopy(batch.pixels(), i * plane, pixels, imageOfRow[i] * plane, plane);
                }
            }
        }
        NDArray visual = model.encodeImage(null, HostArrays.create(scope, pixels, new Shape(images, 3, s, s)),
                false); // [U, 1 + P, W * n]
        if (images < b) {
            long[] rows = Arrays.stream(imageOfRow).asLongStream().toArray();
            visual = visual.get(new NDIndex("{}", HostArrays.create(scope, rows, new Shape(b)))); // [B, 1 + P, Wn]
        }
        return visual;
    }

    /**
     * With a cache: images whose features are kept are copied, the others run through the tower once each and are
     * offered to the cache.
     *
     * @param keyOfSample a stable key of each sample's image, by global sample index
     * @return [B, 1 + P, W * n]
     */
    public static NDArray ofBatch(ClipVgModel model, NDManager scope, Batch batch, IntFunction<String> keyOfSample,
            FeatureCache cache) {
        int b = batch.size();
        String[] keys = new String[b];
        for (int i = 0; i < b; i++) {
            keys[i] = keyOfSample.apply(batch.sampleIndices()[i]);
        }
        int tokens = 1 + model.config().vision().numPatches();
        int rowLength = tokens * model.config().vision().multiLevelWidth();
        Map<String, float[]> rows = new HashMap<>();
        Map<String, Integer> missing = new LinkedHashMap<>(); // key -> first row showing it
        for (int i = 0; i < b; i++) {
            if (!rows.containsKey(keys[i]) && !missing.containsKey(keys[i])) {
                float[] kept = cache.get(keys[i]);
                if (kept != null) {
                    rows.put(keys[i], kept);
                } else {
                    missing.put(keys[i], i);
                }
            }
        }
        if (!missing.isEmpty()) {
            List<Integer> first = new ArrayList<>(missing.values());
            int plane = 3 * batch.imageSize() * batch.imageSize();
            float[] pixels = new float[first.size() * plane];
            for (int j = 0; j < first.size(); j++) {
                System.arraycopy(batch.pixels(), first.get(j) * plane, pixels, j * plane, plane);
            }
            float[] all = model.encodeImage(null, HostArrays.create(scope, pixels, new Shape(first.size(), 3,
                    batch.imageSize(), batch.imageSize())), false).toFloatArray();
            int j = 0;
            for (String key : missing.keySet()) {
                float[] row = Arrays.copyOfRange(all, j * rowLength, (j + 1) * rowLength);
                rows.put(key, row);
                cache.put(key, row);
                j++;
            }
        }
        float[] out = new float[b * rowLength];
        for (int i = 0; i < b; i++) {
            System.arraycopy(rows.get(keys[i]), 0, out, i * rowLength, rowLength);
        }
        return HostArrays.create(scope, out, new Shape(b, tokens, model.config().vision().multiLevelWidth()));
    }

    /**
     * One image's features, from the cache when kept.
     *
     * @param pixels [3, S, S] the prepared image
     * @param key its key, or null to leave the cache alone
     * @param cache kept features, or null for none
     * @return [1, 1 + P, W * n]
     */
    public static NDArray ofImage(ClipVgModel model, NDManager scope, float[] pixels, String key,
            FeatureCache cache) {
        int size = model.config().vision().imageSize();
        Shape shape = new Shape(1, 1 + model.config().vision().numPatches(),
                model.config().vision().multiLevelWidth());
        boolean keeping = cache != null && key != null && cache.enabled();
        float[] kept = keeping ? cache.get(key) : null;
        if (kept != null) {
            return HostArrays.create(scope, kept, shape);
        }
        NDArray visual = model.encodeImage(null, HostArrays.create(scope, pixels, new Shape(1, 3, size, size)),
                false);
        if (keeping) {
            // copied to the host only when the cache may keep it
            cache.put(key, visual.toFloatArray());
        }
        return visual;
    }

    /**
     * @return for each row of the batch, the number of its distinct image, counting up from 0: a row whose pixels
     *     and patch mask equal the previous row's shares its number
     */
    static int[] sameImageAsPrevious(Batch batch) {
        int b = batch.size();
        int plane = 3 * batch.imageSize() * batch.imageSize();
        int p = batch.patches();
        int[] out = new int[b];
        for (int i = 1; i < b; i++) {
            boolean same = Arrays.equals(batch.pixels(), i * plane, (i + 1) * plane, batch.pixels(), (i - 1) * plane,
                    i * plane) && Arrays.equals(batch.patchMask(), i * p, (i + 1) * p, batch.patchMask(),
                    (i - 1) * p, i * p);
            out[i] = same ? out[i - 1] : out[i - 1] + 1;
        }
        return out;
    }
}
