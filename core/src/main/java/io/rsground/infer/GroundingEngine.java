package io.rsground.infer;

import io.rsground.config.ModelConfig;
import io.rsground.data.Batch;
import io.rsground.image.EvalTransform;
import io.rsground.image.Images;
import io.rsground.image.Preprocessed;
import io.rsground.text.Tokenizer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model that grounds queries, whatever runs it: {@link Grounder} (PyTorch through DJL, with its feature cache) or
 * {@code io.rsground.infer.onnx.OnnxGrounder} (ONNX Runtime). {@link SceneGrounder}, batch prediction, the HTTP
 * server, evaluation and {@code bench} take this type, so the engine is chosen once, where the model is opened.
 * Both engines prepare images with {@link EvalTransform}, tokenise with the model's tokenizer and decode boxes with
 * {@link BoxDecoder}; their boxes agree within float32 rounding. Implementations are thread-safe.
 */
public interface GroundingEngine extends AutoCloseable {
    /** Queries grounded in one model call by {@link #groundInCalls}. */
    int QUERIES_PER_CALL = 32;

    /** @return the architecture (input side, patch size, longest query, presence head) */
    ModelConfig config();

    /** @return the tokenizer queries are encoded with */
    Tokenizer tokenizer();

    /** @return the engine, precision and provenance of the model */
    ModelInfo info();

    /** @return whether answers carry a presence score */
    default boolean hasPresenceHead() {
        return config().presenceHead();
    }

    /** @return the side, in pixels, of the images the model was trained on: the window side of tiled grounding */
    default int trainingScale() {
        return info().trainingScale();
    }

    /** @return the transform images take to the model's input */
    EvalTransform transform();

    /**
     * @param image any image ImageIO decodes, converted to 8-bit RGB by the transform
     * @param queries one or more non-blank queries
     * @return one result per query, in order: the box in original pixels, and the score with a presence head
     * @throws IllegalArgumentException for an empty list or a blank query
     */
    List<GroundingResult> ground(BufferedImage image, List<String> queries);

    /**
     * Grounds queries in an image already prepared with {@link #transform()} (a window of a scene), bypassing any
     * feature cache: each window is seen once.
     *
     * @param image the image as the model takes it: [3, S, S] pixels and its [S, S] padding mask
     * @param queries one or more non-blank queries
     * @return one result per query, in order, boxes in the prepared image's original pixels
     */
    List<GroundingResult> ground(Preprocessed image, List<String> queries);

    /**
     * Grounds any number of queries in calls of at most {@link #QUERIES_PER_CALL}, which reuse the image's features:
     * the batch of one call stays bounded however many queries ask about the image.
     *
     * @return one result per query, in order
     */
    default List<GroundingResult> groundInCalls(BufferedImage image, List<String> queries) {
        List<GroundingResult> results = new java.util.ArrayList<>(queries.size());
        for (int from = 0; from < queries.size(); from += QUERIES_PER_CALL) {
            results.addAll(ground(image, queries.subList(from, Math.min(queries.size(), from + QUERIES_PER_CALL))));
        }
        return results;
    }

    /** Grounds one query. */
    default GroundingResult ground(BufferedImage image, String query) {
        return ground(image, List.of(query)).get(0);
    }

    /** Reads an image file and grounds the queries in it. */
    default List<GroundingResult> ground(Path imageFile, List<String> queries) throws IOException {
        return ground(Images.read(imageFile), queries);
    }

    /**
     * The batch predictor of evaluation and {@code bench}: what {@link Predictions#predict} computes.
     *
     * @param batch prepared samples: pixels [B, 3, S, S], pixel mask [B, S, S], patch mask [B, P], tokens [B, L]
     * @return boxes [B, 4] (cx, cy, w, h normalised to the padded square) and, with a presence head, scores [B]
     */
    Predictions.Predicted predict(Batch batch);

    /** Frees the model (native memory, sessions). */
    @Override
    void close();
}
