package io.rsground.data.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.box.Box;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.Sample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The objects each image of a data set holds, described or not: a synthetic data set lists every drawn object with
 * its colour in {@code scenes.jsonl}; any other data set knows its annotated objects.
 */
public final class SceneObjects {
    private SceneObjects() {
    }

    /**
     * One object.
     *
     * @param box corner box in original image pixels
     * @param className its class
     * @param attribute an extra label such as its colour (synthetic scenes know it), or null
     */
    public record LabeledBox(Box box, String className, String attribute) {
    }

    /**
     * The best-known objects of each image of a data set: a synthetic data set's {@code scenes.jsonl} when there is
     * one ({@link #fromScenes}), otherwise the annotations ({@link #fromAnnotations}).
     *
     * @param root the data set's folder
     * @param annotated the annotated objects to fall back on
     * @return objects by image file
     * @throws IOException when the scenes file cannot be read
     */
    public static Map<Path, List<LabeledBox>> knownObjects(Path root, List<Sample> annotated) throws IOException {
        Path scenes = root.resolve("scenes.jsonl");
        return Files.isRegularFile(scenes) ? fromScenes(scenes, DiorRsvgDataset.imagesDir(root))
                : fromAnnotations(annotated);
    }

    /**
     * The objects of each image from the annotations: every annotated object, class only.
     *
     * @param allObjects every object of the data set ({@code DiorRsvgDataset.allSamples()})
     * @return objects by image file
     */
    public static Map<Path, List<LabeledBox>> fromAnnotations(List<Sample> allObjects) {
        Map<Path, List<LabeledBox>> out = new LinkedHashMap<>();
        for (Sample o : allObjects) {
            out.computeIfAbsent(o.imageFile(), k -> new ArrayList<>()).add(new LabeledBox(o.box(), o.className(), null));
        }
        return out;
    }

    /**
     * The objects of each image from a synthetic data set's {@code scenes.jsonl}: every drawn object (the
     * undescribed distractors too), with its class and colour.
     *
     * @param scenes the file
     * @param imagesDir the data set's image folder
     * @return objects by image file
     * @throws IOException when the file cannot be read or a line is not a scene (the message names the line)
     */
    public static Map<Path, List<LabeledBox>> fromScenes(Path scenes, Path imagesDir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<Path, List<LabeledBox>> out = new LinkedHashMap<>();
        Path dir = imagesDir.toAbsolutePath().normalize();
        int lineNumber = 0;
        for (String line : Files.readAllLines(scenes)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = json.readTree(line);
                List<LabeledBox> objects = new ArrayList<>();
                for (JsonNode o : n.get("objects")) {
                    JsonNode b = o.get("box");
                    objects.add(new LabeledBox(new Box(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(),
                            b.get(3).asDouble()), o.get("class").asText(), o.hasNonNull("colour")
                            ? o.get("colour").asText() : null));
                }
                out.put(dir.resolve(n.get("image").asText()).normalize(), objects);
            } catch (RuntimeException | com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IOException(scenes + " line " + lineNumber + ": not a scene with image and objects [class, "
                        + "colour, box] (" + e.getMessage() + ")", e);
            }
        }
        return out;
    }
}
