package io.rsground.infer.onnx;

import io.rsground.config.ModelConfig;
import io.rsground.data.Batch;
import io.rsground.image.EvalTransform;
import io.rsground.image.Images;
import io.rsground.image.Preprocessed;
import io.rsground.infer.BoxDecoder;
import io.rsground.infer.FeatureCache;
import io.rsground.infer.Grounder;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.LoadedModel;
import io.rsground.infer.ModelInfo;
import io.rsground.infer.Predictions;
import io.rsground.infer.TokenBatch;
import io.rsground.text.Tokenizer;
import io.rsground.text.TokenizerSpec;
import io.rsground.text.Tokenizers;
import io.rsground.weights.RsgroundCheckpoint;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Grounds queries in images with an exported model in ONNX Runtime, no DJL involved: the same preprocessing,
 * tokenisation and box decoding as {@code io.rsground.infer.Grounder}, the same answers (within float32 rounding).
 * The image is encoded once per call however many queries ask about it. A model exported in the process ({@link
 * #of}) runs as two sessions cut where the image tower ends, and keeps the image features of the last few images
 * (a {@link FeatureCache} keyed by the image's content, as the DJL grounder does), so that an image asked about
 * again skips the tower; an exported file ({@link #open}) runs its whole graph per call. Thread-safe.
 */
public final class OnnxGrounder implements GroundingEngine {
    /** The whole graph, for an exported file; null when {@link #split} runs the model. */
    private final OnnxPredictor whole;
    /** The model cut after the image tower, for a model exported in the process; null when {@link #whole} runs it. */
    private final OnnxSplitPredictor split;
    /** Per image: its visual features [1 + P, H] followed by its patch mask [P]. */
    private final FeatureCache cache;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final EvalTransform transform;
    private final ModelInfo info;

    private OnnxGrounder(OnnxPredictor whole, OnnxSplitPredictor split, int cacheSize, Tokenizer tokenizer,
            ModelInfo info) {
        this.whole = whole;
        this.split = split;
        this.cache = FeatureCache.recent(split != null ? cacheSize : 0);
        this.config = whole != null ? whole.config() : split.config();
        this.tokenizer = tokenizer;
        this.transform = new EvalTransform(config.vision().imageSize());
        this.info = info;
    }

    /**
     * @param file a model written by {@link OnnxExporter}, its tokenizer folder beside it
     * @param threads ONNX Runtime's intra-op threads, or 0 for its default
     * @return the grounder; the caller closes it
     * @throws IOException when the model or its tokenizer cannot be read
     */
    public static OnnxGrounder open(Path file, int threads) throws IOException {
        OnnxPredictor predictor = OnnxPredictor.open(file, threads);
        try {
            return new OnnxGrounder(predictor, null, 0, tokenizer(file, predictor.metadata()), info(file,
                    predictor.metadata()));
        } catch (IOException | RuntimeException e) {
            predictor.close();
            throw e;
        }
    }

    /**
     * Exports a model loaded by DJL in two halves cut where the image tower ends ({@link OnnxExporter#buildSplit})
     * to a temporary folder (each half one file, or with a side file of weights over {@link
     * ExternalData#SINGLE_FILE_LIMIT}), opens them in ONNX Runtime and deletes the folder: the same model, run by
     * ONNX Runtime, with no file left behind.
     *
     * @param loaded the model; this method takes ownership and closes it once exported (its native memory is not
     *     needed by ONNX Runtime)
     * @param precision float32, or the int8 quantization to export
     * @param threads ONNX Runtime's intra-op threads, or 0 for its default (one per core)
     * @param cacheSize images whose features to keep (0 for none)
     * @return the grounder; the caller closes it
     * @throws IOException when the temporary files cannot be written
     */
    public static OnnxGrounder of(LoadedModel loaded, OnnxExporter.Precision precision, int threads, int cacheSize)
            throws IOException {
        return of(loaded, precision, threads, cacheSize, ExternalData.Mode.AUTO);
    }

    /** As {@link #of(LoadedModel, OnnxExporter.Precision, int, int)} with no feature cache. */
    public static OnnxGrounder of(LoadedModel loaded, OnnxExporter.Precision precision, int threads)
            throws IOException {
        return of(loaded, precision, threads, 0);
    }

    /** As {@link #of(LoadedModel, OnnxExporter.Precision, int, int)}, the weights placed as {@code weights} says. */
    static OnnxGrounder of(LoadedModel loaded, OnnxExporter.Precision precision, int threads, int cacheSize,
            ExternalData.Mode weights) throws IOException {
        try (loaded) {
            Path dir = Files.createTempDirectory("rsground-engine-");
            try {
                Path tower = dir.resolve("image-tower.onnx");
                Path queries = dir.resolve("queries.onnx");
                OnnxProto.Model[] halves = OnnxExporter.buildSplit(loaded, OnnxExporter.tokenizerDirName(tower),
                        precision);
                ExternalData.write(halves[0], tower, weights);
                ExternalData.write(halves[1], queries, weights);
                halves = null; // the weights' host copies can go before ONNX Runtime loads its own
                OnnxSplitPredictor predictor = OnnxSplitPredictor.open(tower, queries, threads);
                ModelInfo info = ModelInfo.of(loaded).on(ModelInfo.ONNX, precision.name().toLowerCase(Locale.ROOT));
                return new OnnxGrounder(null, predictor, cacheSize, loaded.tokenizer(), info);
            } finally {
                RsgroundCheckpoint.deleteTree(dir); // the sessions hold the graphs and their weights
            }
        }
    }

    /** @return an exported file's description, from its metadata (files exported before it was kept lack some) */
    static ModelInfo info(Path file, Map<String, String> metadata) {
        String parameters = metadata.get(OnnxExporter.META_PARAMETERS);
        String scale = metadata.get(OnnxExporter.META_TRAINING_SCALE);
        return new ModelInfo(ModelInfo.ONNX, metadata.getOrDefault(OnnxExporter.META_PRECISION, ModelInfo.FLOAT32),
                metadata.getOrDefault(OnnxExporter.META_ARCHITECTURE, file.getFileName().toString()),
                parameters != null ? Long.parseLong(parameters) : -1,
                scale != null ? Integer.parseInt(scale) : LoadedModel.DIOR_RSVG_SCALE, file.toString(), null);
    }

    /**
     * The tokenizer folder beside the model ({@link OnnxExporter#META_TOKENIZER_DIR}); a word tokenizer needs no
     * files, its vocabulary is in the metadata.
     */
    static Tokenizer tokenizer(Path file, Map<String, String> metadata) throws IOException {
        String dirName = metadata.get(OnnxExporter.META_TOKENIZER_DIR);
        Path dir = file.toAbsolutePath().resolveSibling(dirName != null ? dirName
                : OnnxExporter.tokenizerDirName(file));
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            return Tokenizers.fromSpec(TokenizerSpec.read(dir.resolve("tokenizer.json")), dir);
        }
        String json = metadata.get(OnnxExporter.META_TOKENIZER_SPEC);
        if (json != null && TokenizerSpec.WORD.equals(TokenizerSpec.fromJson(json).kind())) {
            return Tokenizers.fromSpec(TokenizerSpec.fromJson(json), dir);
        }
        throw new NoSuchFileException(dir.resolve("tokenizer.json").toString(), null,
                "the model's tokenizer folder, written beside it by 'rsground export', is missing");
    }

    /** @return the model's architecture, from the file's metadata */
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
        return info;
    }

    @Override
    public EvalTransform transform() {
        return transform;
    }

    /** @return whether answers carry a presence score */
    @Override
    public boolean hasPresenceHead() {
        return whole != null ? whole.hasScores() : split.hasScores();
    }

    /** @return feature cache hits and misses since the grounder was built (both 0 for an exported file) */
    public long[] cacheStats() {
        return cache.stats();
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
     * @param image any image ImageIO decodes
     * @param queries one or more non-blank queries
     * @return one result per query, in order: boxes in original pixels and, with a presence head, scores
     * @throws IllegalArgumentException for an empty list or a blank query
     */
    @Override
    public List<GroundingResult> ground(BufferedImage image, List<String> queries) {
        Grounder.checkQueries(queries);
        return ground(transform.apply(image), cache.enabled() ? Grounder.contentKey(image) : null, queries);
    }

    /** Grounds queries in a prepared image (a window of a scene), bypassing the feature cache. */
    @Override
    public List<GroundingResult> ground(Preprocessed pre, List<String> queries) {
        Grounder.checkQueries(queries);
        return ground(pre, null, queries);
    }

    /**
     * @param key the image's content key for the feature cache, or null to skip the cache
     * @return one result per query, in order
     */
    private List<GroundingResult> ground(Preprocessed pre, String key, List<String> queries) {
        int q = queries.size();
        TokenBatch tokens = TokenBatch.of(tokenizer, queries, config.maxQueryLen());
        long[] textMasks = OnnxPredictor.textMasks(tokens.ids()); // the reference's text mask
        Predictions.Predicted predicted = whole != null
                ? whole.predict(pre.pixels(), pre.pixelMask(), tokens.ids(), textMasks, q, tokens.length())
                : split.predict(features(pre, key), tokens.ids(), textMasks, q, tokens.length());
        List<GroundingResult> results = new ArrayList<>(q);
        for (int i = 0; i < q; i++) {
            BoxDecoder.Decoded d = BoxDecoder.decode(predicted.boxes(), i, pre.geometry());
            results.add(new GroundingResult(queries.get(i), d.pixels(), d.cxcywhNorm(), pre.originalWidth(),
                    pre.originalHeight(), predicted.score(i)));
        }
        return results;
    }

    /** @return the image's features: kept ones under {@code key}, or the image tower's, then kept */
    private OnnxSplitPredictor.Features features(Preprocessed pre, String key) {
        int visual = split.visualSize();
        float[] kept = key != null ? cache.get(key) : null;
        if (kept != null) {
            return new OnnxSplitPredictor.Features(Arrays.copyOfRange(kept, 0, visual),
                    Arrays.copyOfRange(kept, visual, kept.length), 1);
        }
        OnnxSplitPredictor.Features computed = split.imageFeatures(pre.pixels(), pre.pixelMask());
        if (key != null) {
            float[] entry = Arrays.copyOf(computed.visual(), visual + computed.patchMasks().length);
            System.arraycopy(computed.patchMasks(), 0, entry, visual, computed.patchMasks().length);
            cache.put(key, entry);
        }
        return computed;
    }

    /** Runs the batch in ONNX Runtime ({@link OnnxPredictor#predict(Batch)}, or both halves of the split model). */
    @Override
    public Predictions.Predicted predict(Batch batch) {
        return whole != null ? whole.predict(batch) : split.predict(batch);
    }

    @Override
    public void close() {
        if (whole != null) {
            whole.close();
        } else {
            split.close();
        }
    }
}
