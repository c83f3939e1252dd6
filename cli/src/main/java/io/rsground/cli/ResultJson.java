package io.rsground.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.infer.GroundingResult;
import java.util.List;

/** The JSON shape of answers, shared by {@code predict --json}, batch output and the HTTP API. */
public final class ResultJson {
    /** One mapper for the whole application: thread-safe once configured. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private ResultJson() {
    }

    /**
     * @param result one query's answer
     * @return {@code {"query", "box_xyxy": [x1, y1, x2, y2] original pixels, "box_cxcywh_norm": [cx, cy, w, h]
     *     normalised to the padded square}}
     */
    public static ObjectNode toJson(GroundingResult result) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("query", result.query());
        ArrayNode xyxy = node.putArray("box_xyxy");
        for (double v : result.boxXyxy()) {
            xyxy.add(v);
        }
        ArrayNode norm = node.putArray("box_cxcywh_norm");
        for (double v : result.cxcywhNorm()) {
            norm.add(v);
        }
        return node;
    }

    /** @return a JSON array of {@link #toJson(GroundingResult)} in order */
    public static ArrayNode toJson(List<GroundingResult> results) {
        ArrayNode array = MAPPER.createArrayNode();
        for (GroundingResult r : results) {
            array.add(toJson(r));
        }
        return array;
    }
}
