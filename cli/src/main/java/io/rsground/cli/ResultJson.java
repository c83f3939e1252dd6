package io.rsground.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.box.Box;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.SceneGrounder;
import java.util.List;

/**
 * The JSON shape of answers, shared by {@code predict --json}, batch output and the HTTP API. Every query's answer
 * has {@code boxes}, best first, each {@code {"rank", "box_xyxy", "score"}}, and repeats the best one's
 * {@code box_xyxy} and {@code score} at its top level; {@code score} is null for models without a presence head.
 */
public final class ResultJson {
    /** One mapper for the whole application: thread-safe once configured. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private ResultJson() {
    }

    /**
     * @param result one query's answer on a whole image
     * @return {@code {"query", "box_xyxy": [x1, y1, x2, y2] original pixels, "box_cxcywh_norm": [cx, cy, w, h]
     *     normalised to the padded square, "score", "boxes": [that box]}}
     */
    public static ObjectNode toJson(GroundingResult result) {
        return toJson(result, 0);
    }

    /**
     * @param result one query's answer on a whole image
     * @param minScore a box scored below is left out: {@code boxes} is then empty and there is no top-level box
     * @return as {@link #toJson(GroundingResult)}
     */
    public static ObjectNode toJson(GroundingResult result, double minScore) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("query", result.query());
        ArrayNode boxes = MAPPER.createArrayNode();
        if (!below(result.score(), minScore)) {
            putBox(node, result.box(), result.score());
            ArrayNode norm = node.putArray("box_cxcywh_norm");
            for (double v : result.cxcywhNorm()) {
                norm.add(v);
            }
            putBox(boxes.addObject().put("rank", 1), result.box(), result.score());
        } else {
            node.put("best_score", result.score());
        }
        node.set("boxes", boxes);
        return node;
    }

    /**
     * @param answer one query's boxes in a scene, best first
     * @return {@code {"query", "box_xyxy", "score" (the best box's), "boxes": [{"rank", "box_xyxy", "score"}]}}
     */
    public static ObjectNode toJson(SceneGrounder.SceneAnswer answer) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("query", answer.query());
        if (!answer.boxes().isEmpty()) {
            putBox(node, answer.boxes().get(0).box(), answer.boxes().get(0).score());
        }
        ArrayNode boxes = node.putArray("boxes");
        for (int i = 0; i < answer.boxes().size(); i++) {
            SceneGrounder.SceneBox b = answer.boxes().get(i);
            putBox(boxes.addObject().put("rank", i + 1), b.box(), b.score());
        }
        return node;
    }

    /** @return a JSON array of {@link #toJson(GroundingResult, double)} in order */
    public static ArrayNode toJson(List<GroundingResult> results, double minScore) {
        ArrayNode array = MAPPER.createArrayNode();
        for (GroundingResult r : results) {
            array.add(toJson(r, minScore));
        }
        return array;
    }

    /** @return a JSON array of {@link #toJson(GroundingResult)} in order */
    public static ArrayNode toJson(List<GroundingResult> results) {
        return toJson(results, 0);
    }

    /** @return whether a score falls under the threshold (an absent score never does) */
    static boolean below(Double score, double minScore) {
        return score != null && score < minScore;
    }

    private static void putBox(ObjectNode node, Box box, Double score) {
        ArrayNode xyxy = node.putArray("box_xyxy");
        for (double v : box.toXyxy()) {
            xyxy.add(v);
        }
        node.put("score", score);
    }
}
