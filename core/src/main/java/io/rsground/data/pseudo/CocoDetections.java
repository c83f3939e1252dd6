package io.rsground.data.pseudo;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.box.Box;
import io.rsground.data.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads COCO detection labels: {@code ROOT/annotations.json}, else the one {@code *.json} file in {@code ROOT} or
 * {@code ROOT/annotations}; {@code images} ({@code id}, {@code file_name}), {@code annotations} ({@code image_id},
 * {@code category_id}, {@code bbox} as {@code [x, y, width, height]} pixels from the top-left corner) and
 * {@code categories} ({@code id}, {@code name}). Images are {@code ROOT/images/<file_name>}, else
 * {@code ROOT/<file_name>}. An annotation's optional {@code score} (a detector's confidence in [0, 1], as COCO
 * detection results carry it) is kept; without one it is 1. A bad entry is reported with its line in the JSON file
 * and its image is skipped whole.
 */
final class CocoDetections {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CocoDetections() {
    }

    /** One array element with the line it starts on. */
    private record Entry(JsonNode node, int line) {
    }

    static DetectionSet read(Path root) throws IOException {
        Path file = findJson(root);
        String display = root.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize()).toString()
                .replace('\\', '/');
        Map<String, List<Entry>> sections;
        try {
            sections = sections(file);
        } catch (JsonParseException e) {
            throw new IOException(display + ":" + e.getLocation().getLineNr() + ": malformed JSON: "
                    + e.getOriginalMessage(), e);
        }
        List<Problem> problems = new ArrayList<>();
        Map<Long, String> categories = new HashMap<>();
        for (Entry c : sections.getOrDefault("categories", List.of())) {
            if (!c.node().path("id").canConvertToLong() || !c.node().path("name").isTextual()) {
                problems.add(new Problem(display, c.line(), null, "category needs a whole-number 'id' and a "
                        + "text 'name'"));
                continue;
            }
            categories.put(c.node().get("id").asLong(), c.node().get("name").asText());
        }
        Map<Long, Entry> imagesById = new LinkedHashMap<>();
        for (Entry im : sections.getOrDefault("images", List.of())) {
            if (!im.node().path("id").canConvertToLong() || !im.node().path("file_name").isTextual()) {
                problems.add(new Problem(display, im.line(), null, "image needs a whole-number 'id' and a text "
                        + "'file_name'"));
                continue;
            }
            imagesById.put(im.node().get("id").asLong(), im);
        }
        Map<Long, List<Detection>> objects = new HashMap<>();
        Map<Long, List<Problem>> imageProblems = new HashMap<>();
        for (Entry a : sections.getOrDefault("annotations", List.of())) {
            annotation(a, display, categories, imagesById, objects, imageProblems, problems);
        }
        return images(root, display, imagesById, objects, imageProblems, problems);
    }

    private static void annotation(Entry a, String display, Map<Long, String> categories,
            Map<Long, Entry> imagesById, Map<Long, List<Detection>> objects, Map<Long, List<Problem>> imageProblems,
            List<Problem> problems) {
        JsonNode n = a.node();
        if (!n.path("image_id").canConvertToLong() || !imagesById.containsKey(n.get("image_id").asLong())) {
            problems.add(new Problem(display, a.line(), null, "annotation's 'image_id' " + n.path("image_id")
                    + " names no image of 'images'"));
            return;
        }
        long imageId = n.get("image_id").asLong();
        String why = null;
        JsonNode b = n.path("bbox");
        if (!n.path("category_id").canConvertToLong() || !categories.containsKey(n.get("category_id").asLong())) {
            why = "'category_id' " + n.path("category_id") + " names no category of 'categories'";
        } else if (!b.isArray() || b.size() != 4 || !b.get(0).isNumber() || !b.get(1).isNumber()
                || !b.get(2).isNumber() || !b.get(3).isNumber()) {
            why = "'bbox' is " + b + ", expected [x, y, width, height] as four numbers";
        } else if (!(b.get(2).asDouble() > 0 && b.get(3).asDouble() > 0)) {
            why = "'bbox' " + b + " has no area: width and height must be > 0";
        } else if (n.has("score") && !(n.get("score").isNumber() && n.get("score").asDouble() >= 0
                && n.get("score").asDouble() <= 1)) {
            why = "'score' is " + n.get("score") + ", expected a detector's confidence, a number in [0, 1]";
        }
        if (why != null) {
            imageProblems.computeIfAbsent(imageId, k -> new ArrayList<>())
                    .add(new Problem(display, a.line(), null, why));
            return;
        }
        double x = b.get(0).asDouble();
        double y = b.get(1).asDouble();
        objects.computeIfAbsent(imageId, k -> new ArrayList<>()).add(new Detection(
                categories.get(n.get("category_id").asLong()), new Box(x, y, x + b.get(2).asDouble(),
                        y + b.get(3).asDouble()), a.line(), n.path("score").asDouble(1.0)));
    }

    private static DetectionSet images(Path root, String display, Map<Long, Entry> imagesById,
            Map<Long, List<Detection>> objects, Map<Long, List<Problem>> imageProblems, List<Problem> problems) {
        Map<String, DetectionImage> byId = new TreeMap<>();
        for (Map.Entry<Long, Entry> e : imagesById.entrySet()) {
            String fileName = e.getValue().node().get("file_name").asText();
            int line = e.getValue().line();
            List<Problem> found = new ArrayList<>(imageProblems.getOrDefault(e.getKey(), List.of()));
            Path image = root.resolve("images").resolve(fileName);
            if (!Files.isRegularFile(image)) {
                image = root.resolve(fileName);
            }
            String base = image.getFileName().toString();
            String id = base.contains(".") ? base.substring(0, base.lastIndexOf('.')) : base;
            if (!Files.isRegularFile(image)) {
                found.add(new Problem(display, line, null, "image '" + fileName + "' found neither in images/ nor "
                        + "in the data root"));
            } else if (byId.containsKey(id)) {
                found.add(new Problem(display, line, null, "image '" + fileName + "' has the same name as "
                        + byId.get(id).imageFile().getFileName() + "; output files are named after it"));
            }
            if (found.isEmpty()) {
                byId.put(id, new DetectionImage(id, image, display + " (image " + e.getKey() + ")",
                        objects.getOrDefault(e.getKey(), List.of())));
            } else {
                problems.addAll(found);
            }
        }
        return new DetectionSet(new ArrayList<>(byId.values()), problems);
    }

    /** @return the elements of the top-level arrays {@code images}, {@code annotations}, {@code categories} */
    private static Map<String, List<Entry>> sections(Path file) throws IOException {
        Map<String, List<Entry>> out = new HashMap<>();
        try (JsonParser p = new JsonFactory(JSON).createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException(file + ": a COCO file is one JSON object with 'images', 'annotations' and "
                        + "'categories'");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.START_ARRAY && List.of("images", "annotations", "categories").contains(field)) {
                    List<Entry> list = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        int line = p.currentLocation().getLineNr();
                        list.add(new Entry(p.readValueAsTree(), line));
                    }
                    out.put(field, list);
                } else {
                    p.skipChildren();
                }
            }
        }
        for (String needed : List.of("images", "annotations", "categories")) {
            if (!out.containsKey(needed)) {
                throw new IOException(file + ": no '" + needed + "' array; a COCO file has 'images', "
                        + "'annotations' and 'categories'");
            }
        }
        return out;
    }

    private static Path findJson(Path root) throws IOException {
        Path direct = root.resolve("annotations.json");
        if (Files.isRegularFile(direct)) {
            return direct;
        }
        List<Path> found = new ArrayList<>();
        for (Path dir : List.of(root, root.resolve("annotations"))) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    s.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json"))
                            .filter(Files::isRegularFile).sorted().forEach(found::add);
                }
            }
        }
        if (found.size() != 1) {
            throw new NoSuchFileException(root.toString(), null, found.isEmpty()
                    ? "no COCO file: expected annotations.json or one *.json in the root or annotations/"
                    : "several *.json files " + found + "; keep one, or name it annotations.json");
        }
        return found.get(0);
    }
}
