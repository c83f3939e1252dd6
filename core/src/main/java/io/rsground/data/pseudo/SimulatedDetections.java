package io.rsground.data.pseudo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.data.Problem;
import io.rsground.data.ProgressListener;
import io.rsground.data.pseudo.DetectorSimulator.ErrorRates;
import io.rsground.data.pseudo.DetectorSimulator.Simulated;
import io.rsground.image.Images;
import java.awt.Dimension;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Writes a simulated detector's output ({@link DetectorSimulator}) on a detection data set as COCO JSON with
 * scores, {@code OUT/annotations.json}, which {@code rsground pseudo --format coco} reads. Images are not copied:
 * each {@code file_name} is the image's path relative to {@code OUT}. Each annotation also carries a
 * {@code simulation} object, which COCO readers ignore, with what it truly is: {@code object} (index among the
 * image's labels, or null for a false detection), {@code class} and {@code iou}, so that pseudo-labels made from it
 * can be told right from wrong.
 */
public final class SimulatedDetections {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The file written; an existing one is replaced only with {@code overwrite}. */
    public static final String FILE = "annotations.json";

    private SimulatedDetections() {
    }

    /**
     * What to read and write.
     *
     * @param dataRoot the detection labels to put mistakes onto
     * @param format their format
     * @param out the output folder
     * @param errors the simulated detector's error rates
     * @param seed the seed of every random choice
     * @param overwrite whether an existing {@code OUT/annotations.json} may be replaced
     */
    public record Options(Path dataRoot, DetectionFormat format, Path out, ErrorRates errors, long seed,
            boolean overwrite) {

        /** Checks the fields are given. */
        public Options {
            Objects.requireNonNull(dataRoot, "dataRoot");
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(out, "out");
            Objects.requireNonNull(errors, "errors");
        }
    }

    /**
     * What a run wrote.
     *
     * @param file the COCO file
     * @param images images with their detections
     * @param objects labelled objects of those images
     * @param found objects detected (with any class and overlap)
     * @param swapped detections of an object with another class
     * @param falseDetections detections of no object
     * @param right detections with their object's class and IoU at least {@link DetectorSimulator#RIGHT_IOU}
     * @param detections all detections
     * @param problems label files or images skipped, with file and line
     */
    public record Summary(Path file, int images, int objects, int found, int swapped, int falseDetections, int right,
            int detections, List<Problem> problems) {
    }

    /**
     * Reads the labels, simulates the detector on every image and writes the COCO file.
     *
     * @param options what to read and write
     * @param progress told after each image
     * @return the counts of what was written
     * @throws IOException when the labels cannot be listed or the file cannot be written
     */
    public static Summary run(Options options, ProgressListener progress) throws IOException {
        Path file = options.out().resolve(FILE);
        if (Files.exists(file) && !options.overwrite()) {
            throw new FileAlreadyExistsException(file.toString(), null, "exists; give --overwrite to replace it");
        }
        DetectionSet data = options.format().read(options.dataRoot());
        List<Problem> problems = new ArrayList<>(data.problems());
        List<String> classes = List.copyOf(data.images().stream().flatMap(i -> i.objects().stream())
                .map(Detection::className).collect(Collectors.toCollection(TreeSet::new)));
        List<double[]> sizes = data.images().stream().flatMap(i -> i.objects().stream())
                .map(d -> new double[] {d.box().width(), d.box().height()}).toList();
        if (classes.isEmpty()) {
            throw new IOException(options.dataRoot() + ": no labelled object to simulate a detector on");
        }
        ObjectNode coco = JSON.createObjectNode();
        ArrayNode images = coco.putArray("images");
        ArrayNode annotations = coco.putArray("annotations");
        ArrayNode categories = coco.putArray("categories");
        for (int c = 0; c < classes.size(); c++) {
            categories.addObject().put("id", c + 1).put("name", classes.get(c));
        }
        Path outAbs = options.out().toAbsolutePath().normalize();
        int[] counts = new int[6]; // images, objects, found, swapped, false, right
        int total = data.images().size();
        for (int i = 0; i < total; i++) {
            DetectionImage image = data.images().get(i);
            Dimension size;
            try {
                size = Images.readSize(image.imageFile());
            } catch (IOException e) {
                problems.add(new Problem(image.labelFile(), null, null, "image " + image.imageFile()
                        + " cannot be read, the file is skipped: " + e.getMessage()));
                progress.progress(i + 1, total);
                continue;
            }
            List<Simulated> found = DetectorSimulator.detect(image.objects(), size.width, size.height, classes, sizes,
                    options.errors(), DetectorSimulator.imageRandom(options.seed(), image.id()));
            int imageId = counts[0] + 1;
            images.addObject().put("id", imageId).put("width", size.width).put("height", size.height)
                    .put("file_name", outAbs.relativize(image.imageFile().toAbsolutePath().normalize()).toString()
                            .replace('\\', '/'));
            counts[0]++;
            counts[1] += image.objects().size();
            for (Simulated s : found) {
                annotation(annotations.addObject(), annotations.size(), imageId, s, classes);
                counts[2] += s.object() >= 0 ? 1 : 0;
                counts[3] += s.object() >= 0 && !s.trueClass().equals(s.detection().className()) ? 1 : 0;
                counts[4] += s.object() < 0 ? 1 : 0;
                counts[5] += s.right() ? 1 : 0;
            }
            progress.progress(i + 1, total);
        }
        coco.set("info", JSON.valueToTree(Map.of("description", "simulated detector on " + options.dataRoot(),
                "errors", options.errors(), "seed", options.seed())));
        Files.createDirectories(options.out());
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), coco);
        return new Summary(file, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5],
                annotations.size(), problems);
    }

    private static void annotation(ObjectNode a, int id, int imageId, Simulated s, List<String> classes) {
        Detection d = s.detection();
        a.put("id", id).put("image_id", imageId).put("category_id", classes.indexOf(d.className()) + 1);
        a.putArray("bbox").add(d.box().x1()).add(d.box().y1()).add(d.box().width()).add(d.box().height());
        a.put("area", d.box().area());
        a.put("iscrowd", 0);
        a.put("score", d.score());
        ObjectNode truth = a.putObject("simulation");
        if (s.object() >= 0) {
            truth.put("object", s.object()).put("class", s.trueClass());
        } else {
            truth.putNull("object").putNull("class");
        }
        truth.put("iou", s.iou());
    }
}
