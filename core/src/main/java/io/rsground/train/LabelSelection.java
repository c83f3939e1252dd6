package io.rsground.train;

import io.rsground.config.ConfigException;
import io.rsground.data.Sample;
import io.rsground.util.JsonLines;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The training labels a measurer finds reliable: those whose reliability (the IoU of the measurer's box with the
 * label's, from {@code rsground reliability}) reaches a threshold, as each stage of CLIP-VG's curriculum keeps.
 */
public final class LabelSelection {

    private LabelSelection() {
    }

    /**
     * @param file a {@code reliability.jsonl}: one {@code {"index": global index, "reliability": IoU}} per line; or
     *     the {@code pseudo.jsonl} of {@code rsground pseudo}, whose lines give each label's detector {@code score}
     *     instead, which is then its reliability (a selection by the detector's confidence)
     * @return reliability by global index
     * @throws ConfigException naming the file and line of a line with neither
     */
    public static Map<Integer, Double> read(Path file) throws IOException {
        Map<Integer, Double> byIndex = new HashMap<>();
        JsonLines.forEach(file, (number, node) -> {
            String key = node.has("reliability") ? "reliability" : "score";
            if (!node.path("index").isInt() || !node.path(key).isNumber()) {
                throw new ConfigException(file + ":" + number + ": expected {\"index\": N, \"reliability\": IoU} "
                        + "(or a pseudo.jsonl line with the detector's \"score\", written by rsground pseudo)");
            }
            byIndex.put(node.get("index").asInt(), node.get(key).asDouble());
        });
        return byIndex;
    }

    /**
     * @param train the training split
     * @param reliability reliability by global index ({@link #read}); every training label must have one
     * @param threshold the reliability a label needs
     * @return the labels kept, in the split's order
     * @throws ConfigException when a training label was not scored, or none is kept
     */
    public static List<Sample> keep(List<Sample> train, Map<Integer, Double> reliability, double threshold) {
        List<Sample> kept = new ArrayList<>();
        for (Sample s : train) {
            Double r = reliability.get(s.index());
            if (r == null) {
                throw new ConfigException("training label " + s.index() + " (" + s.origin() + ") has no reliability: "
                        + "score the same data set's training split (rsground reliability --split train)");
            }
            if (r >= threshold) {
                kept.add(s);
            }
        }
        if (kept.isEmpty()) {
            throw new ConfigException(String.format(Locale.ROOT, "no training label reaches a reliability of %.3f",
                    threshold));
        }
        return kept;
    }
}
