package io.rsground.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * VRSBench's referring evaluation file ({@code VRSBench_EVAL_referring.json}): a JSON array of records, each with
 * {@code image_id} (a file name in {@code Images_val/}), {@code question} (the referring expression, possibly
 * wrapped as {@code <p>...</p>} or after a {@code [refer]} instruction), {@code ground_truth} (the box as
 * {@code {<x1><y1><x2><y2>}} on a 0-100 grid of the image) and {@code obj_cls}.
 */
final class VrsBenchEvalFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NUMBER = "\\s*<\\s*(-?[0-9]+(?:\\.[0-9]+)?)\\s*>";
    private static final Pattern GRID_BOX = Pattern.compile("\\{" + NUMBER.repeat(4) + "\\s*}");
    private static final Pattern WRAPPED = Pattern.compile("<p>(.*?)</p>", Pattern.DOTALL);
    /** The grid the file's coordinates are on. */
    static final double GRID = 100;

    private VrsBenchEvalFile() {
    }

    /**
     * One record read.
     *
     * @param image its image file
     * @param where the record's place in the file, for messages
     * @param className {@code obj_cls}, or "object"
     * @param normalised x1,y1,x2,y2 in [0, 1] of the image's width and height
     * @param query the expression, lower-cased
     */
    record Record(Path image, String where, String className, double[] normalised, String query) {
    }

    /**
     * @param file the evaluation file
     * @param imagesDir where its {@code image_id}s are
     * @param problems told of every record that cannot be read (it is skipped)
     * @return the readable records in file order
     */
    static List<Record> read(Path file, Path imagesDir, List<Problem> problems) throws IOException {
        String name = file.getFileName().toString();
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            problems.add(new Problem(name, null, null, "not valid JSON: " + e.getMessage().lines().findFirst()
                    .orElse("")));
            return List.of();
        }
        if (root == null || !root.isArray()) {
            problems.add(new Problem(name, null, null, "expected a JSON array of {\"image_id\", \"question\", "
                    + "\"ground_truth\"} records"));
            return List.of();
        }
        List<Record> records = new ArrayList<>();
        for (int k = 0; k < root.size(); k++) {
            JsonNode r = root.get(k);
            String where = "record " + k;
            String image = r.path("image_id").asText("").strip();
            String query = expression(r.path("question").asText(""));
            double[] box = gridBox(r.path("ground_truth").asText(""));
            if (image.isEmpty() || query.isEmpty() || box == null) {
                problems.add(new Problem(name, null, null, where + ": expected image_id (a file name), question (the "
                        + "expression) and ground_truth as {<x1><y1><x2><y2>} on a 0-100 grid, got " + r));
                continue;
            }
            records.add(new Record(imagesDir.resolve(image).normalize(), where, r.path("obj_cls").asText("object"),
                    box, query.toLowerCase(Locale.ROOT)));
        }
        return records;
    }

    /** @return the expression inside a record's question: between {@code <p>} tags, else after {@code [refer]} */
    static String expression(String question) {
        Matcher wrapped = WRAPPED.matcher(question);
        if (wrapped.find()) {
            return wrapped.group(1).strip();
        }
        String text = question.replace("<image>", "");
        int refer = text.indexOf("[refer]");
        if (refer >= 0) {
            text = text.substring(refer + "[refer]".length());
        }
        return text.strip();
    }

    /** @return x1,y1,x2,y2 in [0, 1] from {@code {<x1><y1><x2><y2>}} on the 0-100 grid, or null when not that */
    static double[] gridBox(String groundTruth) {
        Matcher m = GRID_BOX.matcher(groundTruth.strip());
        if (!m.matches()) {
            return null;
        }
        double[] box = new double[4];
        for (int i = 0; i < 4; i++) {
            box[i] = Double.parseDouble(m.group(i + 1)) / GRID;
        }
        return box;
    }
}
