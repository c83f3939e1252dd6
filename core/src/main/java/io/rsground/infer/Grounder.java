package io.rsground.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rsground.config.ModelConfig;
import io.rsground.data.Batch;
import io.rsground.image.EvalTransform;
import io.rsground.image.Images;
import io.rsground.image.Preprocessed;
import io.rsground.model.ClipVgModel;
import io.rsground.text.Tokenizer;
import io.rsground.util.TensorScope;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Grounds queries in images: image + sentences -> boxes in original pixels. Built from any weights
 * {@link ModelLoader} accepts; thread-safe; usable without the CLI.
 *
 * <p>The image tower runs once per image however many queries are asked of it, and a small cache keyed by image
 * content skips it for images seen recently. Queries of one call are batched, cut to the longest query (the
 * padding after it cannot change any box: it is masked as a key in the fusion encoder and comes after the end
 * token in the causal text tower).
 */
public final class Grounder implements GroundingEngine {
    /** Default number of images whose features are kept. */
    public static final int DEFAULT_CACHE_SIZE = 16;

    private final LoadedModel loaded;
    private final ClipVgModel model;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final EvalTransform transform;
    private final FeatureCache cache;
    private final NDManager manager;

    /**
     * @param loaded a model with its tokenizer; the grounder takes ownership and closes it
     * @param cacheSize images whose features to keep (0 for none)
     */
    public Grounder(LoadedModel loaded, int cacheSize) {
        this.loaded = loaded;
        this.model = loaded.model();
        this.config = model.config();
        this.tokenizer = loaded.tokenizer();
        this.transform = new EvalTransform(config.vision().imageSize());
        this.manager = loaded.manager().newSubManager();
        this.cache = FeatureCache.recent(cacheSize);
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public ModelInfo info() {
        return ModelInfo.of(loaded);
    }

    @Override
    public int trainingScale() {
        return loaded.trainingScale();
    }

    @Override
    public EvalTransform transform() {
        return transform;
    }

    /** @return the model and where it came from */
    public LoadedModel loaded() {
        return loaded;
    }

    /** Reads an image file and grounds the queries in it. */
    @Override
    public List<GroundingResult> ground(Path imageFile, List<String> queries) throws IOException {
        return ground(Images.read(imageFile), queries);
    }

    /** Grounds one query. */
    @Override
    public GroundingResult ground(BufferedImage image, String query) {
        return ground(image, List.of(query)).get(0);
    }

    /**
     * @param image any image ImageIO decodes, converted to 8-bit RGB by the transform
     * @param queries one or more non-blank queries
     * @return one result per query, in order
     * @throws IllegalArgumentException for an empty list or a blank query
     */
    @Override
    public List<GroundingResult> ground(BufferedImage image, List<String> queries) {
        checkQueries(queries);
        return ground(transform.apply(image), cache.enabled() ? contentKey(image) : null, queries);
    }

    /**
     * The checks every grounder makes of its queries (the ONNX Runtime one too).
     *
     * @throws IllegalArgumentException for an empty list or a blank query (named by its 1-based number)
     */
    public static void checkQueries(List<String> queries) {
        if (queries.isEmpty()) {
            throw new IllegalArgumentException("no query given");
        }
        for (int i = 0; i < queries.size(); i++) {
            if (queries.get(i) == null || queries.get(i).isBlank()) {
                throw new IllegalArgumentException("query " + (i + 1) + " is empty");
            }
        }
    }

    @Override
    public List<GroundingResult> ground(Preprocessed image, List<String> queries) {
        checkQueries(queries);
        return ground(image, null, queries);
    }

    /** Runs {@link Predictions#predict} on the model, its temporaries freed after the call. */
    @Override
    public Predictions.Predicted predict(Batch batch) {
        return Predictions.predict(model, manager, batch);
    }

    /**
     * @param pre the image as the model takes it
     * @param key the image's content key for the feature cache, or null to skip the cache
     * @return one result per query, in order
     */
    List<GroundingResult> ground(Preprocessed pre, String key, List<String> queries) {
        int q = queries.size();
        int p = config.vision().numPatches();
        Predictions.Predicted predicted;
        try (TensorScope scope = TensorScope.inference(manager)) {
            // one visual row shared by all queries: the model projects it once, then broadcasts
            NDArray visual = ImageFeatures.ofImage(model, scope.manager(), pre.pixels(), key, cache);
            boolean[] patchMask = pre.patchMask(config.vision().patchSize());
            float[] mask = new float[q * p];
            for (int i = 0; i < q; i++) {
                for (int j = 0; j < p; j++) {
                    mask[i * p + j] = patchMask[j] ? 1f : 0f;
                }
            }
            TokenBatch tokens = TokenBatch.of(tokenizer, queries, config.maxQueryLen());
            predicted = Predictions.boxes(model, scope.manager(), visual, mask, p, tokens.ids(), q,
                    tokens.length());
        }
        List<GroundingResult> results = new ArrayList<>(q);
        for (int i = 0; i < q; i++) {
            BoxDecoder.Decoded d = BoxDecoder.decode(predicted.boxes(), i, pre.geometry());
            results.add(new GroundingResult(queries.get(i), d.pixels(), d.cxcywhNorm(), pre.originalWidth(),
                    pre.originalHeight(), predicted.score(i)));
        }
        return results;
    }

    /** @return cache hits and misses since the grounder was built */
    public long[] cacheStats() {
        return cache.stats();
    }

    /** @return a SHA-256 over the image's size and RGB pixels: the feature cache's key, in both engines */
    public static String contentKey(BufferedImage image) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        int w = image.getWidth();
        int h = image.getHeight();
        digest.update(ByteBuffer.allocate(12).putInt(w).putInt(h).putInt(image.getType()).array());
        if (image.getRaster().getDataBuffer() instanceof DataBufferByte bytes && bytes.getNumBanks() == 1) {
            digest.update(bytes.getData());
        } else {
            int[] row = new int[w];
            ByteBuffer buf = ByteBuffer.allocate(4 * w);
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                buf.clear();
                buf.asIntBuffer().put(row);
                digest.update(buf.array());
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public void close() {
        manager.close();
        loaded.close();
    }
}
