package io.rsground.infer.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.data.Batch;
import io.rsground.infer.Predictions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs an exported model ({@link OnnxExporter}) in ONNX Runtime on prepared inputs: the ONNX counterpart of
 * {@link Predictions#boxes}. Thread-safe (ONNX Runtime sessions may be run concurrently).
 */
public final class OnnxPredictor implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final Map<String, String> metadata;
    private final ModelConfig config;
    private final boolean scores;

    private OnnxPredictor(OrtEnvironment env, OrtSession session, Path file) throws OrtException {
        this.env = env;
        this.session = session;
        this.metadata = Map.copyOf(session.getMetadata().getCustomMetadata());
        this.config = config(metadata, file);
        this.scores = session.getOutputNames().contains(OnnxExporter.SCORES);
    }

    /**
     * @param file an {@code .onnx} file written by {@link OnnxExporter}
     * @param threads intra-op threads, or 0 for ONNX Runtime's default (one per core)
     * @return the predictor; the caller closes it
     * @throws IOException when the file is missing or ONNX Runtime cannot load it
     * @throws NoSuchFileException naming the side file ({@link ExternalData}) when the model's weights lie in one
     *     and it is missing
     */
    public static OnnxPredictor open(Path file, int threads) throws IOException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session = session(env, file, threads);
        try {
            return new OnnxPredictor(env, session, file);
        } catch (OrtException e) {
            closeQuietly(session, e);
            throw new IOException("ONNX Runtime could not read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(session, e);
            throw e;
        }
    }

    /**
     * Creates a session from the model's path, so that ONNX Runtime finds a side file of weights beside it.
     *
     * @throws NoSuchFileException naming the file, or the side file ({@link ExternalData}) when the model's weights
     *     lie in one and it is missing
     */
    static OrtSession session(OrtEnvironment env, Path file, int threads) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no ONNX model file");
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            return env.createSession(file.toString(), options);
        } catch (OrtException e) {
            Path side = ExternalData.sideFile(file);
            if (!Files.exists(side) && String.valueOf(e.getMessage()).contains(side.getFileName().toString())) {
                NoSuchFileException missing = new NoSuchFileException(side.toString(), null, "the weights of "
                        + file.getFileName() + " are missing: a model exported with a side file needs it beside "
                        + "the model (move the model, its .data file and its tokenizer folder together)");
                missing.initCause(e);
                throw missing;
            }
            throw new IOException("ONNX Runtime could not load " + file + ": " + e.getMessage(), e);
        }
    }

    static void closeQuietly(OrtSession session, Exception cause) {
        try {
            session.close();
        } catch (OrtException suppressed) {
            cause.addSuppressed(suppressed);
        }
    }

    /** @return the model config a file's metadata carries */
    static ModelConfig config(Map<String, String> metadata, Path file) {
        String json = metadata.get(OnnxExporter.META_MODEL_CONFIG);
        if (json == null) {
            throw new IllegalArgumentException(file + " has no '" + OnnxExporter.META_MODEL_CONFIG
                    + "' metadata: not a model exported by rsground");
        }
        return ModelConfigs.parse(json, file + " metadata " + OnnxExporter.META_MODEL_CONFIG);
    }

    /** @return the model's architecture, from the file's metadata */
    public ModelConfig config() {
        return config;
    }

    /** @return the file's metadata properties */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** @return whether the model has a presence head (a {@code scores} output) */
    public boolean hasScores() {
        return scores;
    }

    /**
     * @param images [B, 3, S, S] row-major, normalised and padded; or [1, 3, S, S], one image all B rows ask about
     *     (encoded once)
     * @param pixelMasks [B, S, S] (or [1, S, S] with one image) row-major, nonzero on the padding
     * @param tokens [B, L] row-major ids, 0 = padding
     * @param textMasks [B, L] row-major, 1 on real tokens
     * @param batch B
     * @param length L, at most max_query_len
     * @return boxes [B, 4] (cx, cy, w, h normalised to the padded square) and, with a presence head, scores [B]
     */
    public Predictions.Predicted predict(float[] images, byte[] pixelMasks, long[] tokens, long[] textMasks, int batch,
            int length) {
        long imageRows = checkImages(config, images, pixelMasks, batch);
        checkTokens(config, tokens, textMasks, batch, length);
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            putImages(env, config, in, images, pixelMasks, imageRows);
            putTokens(env, in, tokens, textMasks, batch, length);
            try (OrtSession.Result out = session.run(in)) {
                float[] boxes = floats(out, OnnxExporter.PRED_BOXES);
                return new Predictions.Predicted(boxes, scores ? floats(out, OnnxExporter.SCORES) : null);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    /**
     * @param batch the query rows the images go with, or 0 for any number of images
     * @return the images' rows, 1 or {@code batch}, after checking the arrays' sizes against the model
     */
    static long checkImages(ModelConfig config, float[] images, byte[] pixelMasks, int batch) {
        long s = config.vision().imageSize();
        long imageRows = images.length / (3 * s * s);
        if (imageRows != 1 && batch > 0) {
            check("images", images.length, batch * 3 * s * s);
        }
        check("images", images.length, imageRows * 3 * s * s);
        check("pixel_masks", pixelMasks.length, imageRows * s * s);
        return imageRows;
    }

    static void checkTokens(ModelConfig config, long[] tokens, long[] textMasks, int batch, int length) {
        check("tokens", tokens.length, (long) batch * length);
        check("text_masks", textMasks.length, (long) batch * length);
        if (length < 1 || length > config.maxQueryLen()) {
            throw new IllegalArgumentException("token rows of " + length + " ids; the model takes 1 to "
                    + config.maxQueryLen());
        }
    }

    /** Adds images [rows, 3, S, S] and pixel_masks [rows, S, S] to a model call's inputs. */
    static void putImages(OrtEnvironment env, ModelConfig config, Map<String, OnnxTensor> in, float[] images,
            byte[] pixelMasks, long rows) throws OrtException {
        long s = config.vision().imageSize();
        in.put(OnnxExporter.IMAGES, OnnxTensor.createTensor(env, FloatBuffer.wrap(images), new long[] {rows, 3, s, s}));
        ByteBuffer masks = ByteBuffer.allocateDirect(pixelMasks.length).put(pixelMasks).flip();
        in.put(OnnxExporter.PIXEL_MASKS, OnnxTensor.createTensor(env, masks, new long[] {rows, s, s},
                OnnxJavaType.UINT8));
    }

    /** Adds tokens and text_masks [batch, length] to a model call's inputs. */
    static void putTokens(OrtEnvironment env, Map<String, OnnxTensor> in, long[] tokens, long[] textMasks, int batch,
            int length) throws OrtException {
        in.put(OnnxExporter.TOKENS, OnnxTensor.createTensor(env, LongBuffer.wrap(tokens), new long[] {batch, length}));
        in.put(OnnxExporter.TEXT_MASKS, OnnxTensor.createTensor(env, LongBuffer.wrap(textMasks),
                new long[] {batch, length}));
    }

    /** @return {@code tokens > 0} as the reference's text mask, 1 on tokens */
    static long[] textMasks(long[] tokens) {
        long[] masks = new long[tokens.length];
        for (int i = 0; i < masks.length; i++) {
            masks[i] = tokens[i] > 0 ? 1 : 0;
        }
        return masks;
    }

    /**
     * The batch {@link Predictions#predict} takes (evaluation, training's validation, bench), run here instead: the
     * graph derives the patch mask from {@code batch.pixelMask()} and the text mask from the tokens.
     *
     * @param batch prepared samples: pixels [B, 3, S, S], pixel mask [B, S, S], tokens [B, L]
     * @return boxes [B, 4] (cx, cy, w, h normalised to the padded square) and, with a presence head, scores [B]
     */
    public Predictions.Predicted predict(Batch batch) {
        return predict(batch.pixels(), batch.pixelMask(), batch.tokens(), textMasks(batch.tokens()), batch.size(),
                batch.tokenLength());
    }

    static void check(String name, long got, long expected) {
        if (got != expected) {
            throw new IllegalArgumentException(name + " holds " + got + " values, expected " + expected);
        }
    }

    static float[] floats(OrtSession.Result out, String name) {
        OnnxTensor t = (OnnxTensor) out.get(name).orElseThrow(() -> new IllegalStateException("no output " + name));
        FloatBuffer b = t.getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
