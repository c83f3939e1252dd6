package io.rsground.infer.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.rsground.config.ModelConfig;
import io.rsground.data.Batch;
import io.rsground.infer.Predictions;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model in two ONNX Runtime sessions cut where the image tower ends ({@link OnnxExporter#buildSplit}): the
 * image tower's features can be computed once and kept, then any number of query calls run on them. Both halves
 * together compute what {@link OnnxPredictor} computes with the whole graph. Thread-safe.
 */
final class OnnxSplitPredictor implements AutoCloseable {
    /**
     * One or more images' features as the query half takes them.
     *
     * @param visual [rows, 1 + P, H] row-major, the image tower's output projected to the fusion width
     * @param patchMasks [rows, P] row-major, 1 on padded patches
     * @param rows the images
     */
    record Features(float[] visual, float[] patchMasks, int rows) {
    }

    private final OrtEnvironment env;
    private final OrtSession imageTower;
    private final OrtSession queries;
    private final Map<String, String> metadata;
    private final ModelConfig config;
    private final boolean scores;

    private OnnxSplitPredictor(OrtEnvironment env, OrtSession imageTower, OrtSession queries, Path file)
            throws OrtException {
        this.env = env;
        this.imageTower = imageTower;
        this.queries = queries;
        this.metadata = Map.copyOf(queries.getMetadata().getCustomMetadata());
        this.config = OnnxPredictor.config(metadata, file);
        this.scores = queries.getOutputNames().contains(OnnxExporter.SCORES);
    }

    /**
     * @param imageTowerFile the image tower model ({@link ClipVgGraph#imageTowerGraph})
     * @param queryFile the query model ({@link ClipVgGraph#queryGraph})
     * @param threads intra-op threads, or 0 for ONNX Runtime's default
     * @return the predictor; the caller closes it
     */
    static OnnxSplitPredictor open(Path imageTowerFile, Path queryFile, int threads) throws IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession tower = OnnxPredictor.session(env, imageTowerFile, threads);
        OrtSession rest = null;
        try {
            rest = OnnxPredictor.session(env, queryFile, threads);
            return new OnnxSplitPredictor(env, tower, rest, queryFile);
        } catch (OrtException e) {
            closeBoth(tower, rest, e);
            throw new IOException("ONNX Runtime could not read " + queryFile + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            closeBoth(tower, rest, e);
            throw e;
        }
    }

    private static void closeBoth(OrtSession tower, OrtSession rest, Exception cause) {
        OnnxPredictor.closeQuietly(tower, cause);
        if (rest != null) {
            OnnxPredictor.closeQuietly(rest, cause);
        }
    }

    ModelConfig config() {
        return config;
    }

    Map<String, String> metadata() {
        return metadata;
    }

    boolean hasScores() {
        return scores;
    }

    /** @return how many floats one image's {@link Features#visual} holds: (1 + P) * H */
    int visualSize() {
        return (1 + config.vision().numPatches()) * config.fusion().hiddenDim();
    }

    /**
     * Runs the image tower.
     *
     * @param images [N, 3, S, S] row-major, normalised and padded
     * @param pixelMasks [N, S, S] row-major, nonzero on the padding
     * @return the N images' features
     */
    Features imageFeatures(float[] images, byte[] pixelMasks) {
        long rows = OnnxPredictor.checkImages(config, images, pixelMasks, 0);
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            OnnxPredictor.putImages(env, config, in, images, pixelMasks, rows);
            try (OrtSession.Result out = imageTower.run(in)) {
                return new Features(OnnxPredictor.floats(out, ClipVgGraph.VISUAL_FEATURES),
                        OnnxPredictor.floats(out, ClipVgGraph.PATCH_MASKS), (int) rows);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Runs the query half on features computed before.
     *
     * @param features one image (all rows ask about it) or {@code batch} images
     * @param tokens [B, L] row-major ids, 0 = padding
     * @param textMasks [B, L] row-major, 1 on real tokens
     * @return boxes [B, 4] (cx, cy, w, h normalised to the padded square) and, with a presence head, scores [B]
     */
    Predictions.Predicted predict(Features features, long[] tokens, long[] textMasks, int batch, int length) {
        OnnxPredictor.checkTokens(config, tokens, textMasks, batch, length);
        int p = config.vision().numPatches();
        if (features.rows() != 1 && features.rows() != batch) {
            throw new IllegalArgumentException("features of " + features.rows() + " images for " + batch
                    + " query rows; give one image or one per row");
        }
        OnnxPredictor.check("visual_features", features.visual().length, (long) features.rows() * visualSize());
        OnnxPredictor.check("patch_masks", features.patchMasks().length, (long) features.rows() * p);
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            in.put(ClipVgGraph.VISUAL_FEATURES, OnnxTensor.createTensor(env, FloatBuffer.wrap(features.visual()),
                    new long[] {features.rows(), 1 + p, config.fusion().hiddenDim()}));
            in.put(ClipVgGraph.PATCH_MASKS, OnnxTensor.createTensor(env, FloatBuffer.wrap(features.patchMasks()),
                    new long[] {features.rows(), p}));
            OnnxPredictor.putTokens(env, in, tokens, textMasks, batch, length);
            try (OrtSession.Result out = queries.run(in)) {
                float[] boxes = OnnxPredictor.floats(out, OnnxExporter.PRED_BOXES);
                return new Predictions.Predicted(boxes, scores ? OnnxPredictor.floats(out, OnnxExporter.SCORES)
                        : null);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * Both halves on prepared inputs, as {@link OnnxPredictor#predict(float[], byte[], long[], long[], int, int)}.
     *
     * @param images [B, 3, S, S] or [1, 3, S, S] row-major
     * @param pixelMasks [B, S, S] or [1, S, S] row-major, nonzero on the padding
     * @return boxes [B, 4] (cx, cy, w, h normalised to the padded square) and, with a presence head, scores [B]
     */
    Predictions.Predicted predict(float[] images, byte[] pixelMasks, long[] tokens, long[] textMasks, int batch,
            int length) {
        OnnxPredictor.checkImages(config, images, pixelMasks, batch);
        return predict(imageFeatures(images, pixelMasks), tokens, textMasks, batch, length);
    }

    /** @return boxes [B, 4] and scores [B] of a prepared batch, as {@link OnnxPredictor#predict(Batch)} */
    Predictions.Predicted predict(Batch batch) {
        return predict(batch.pixels(), batch.pixelMask(), batch.tokens(), OnnxPredictor.textMasks(batch.tokens()),
                batch.size(), batch.tokenLength());
    }

    @Override
    public void close() {
        try {
            queries.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            try {
                imageTower.close();
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
