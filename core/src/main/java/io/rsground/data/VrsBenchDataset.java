package io.rsground.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.box.Box;
import java.awt.Dimension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * VRSBench's referring task: {@code ROOT/Annotations_train/*.json} and {@code ROOT/Annotations_val/*.json}, one file
 * per image ({@code "image"}: its file name in {@code Images_train/} or {@code Images_val/}) whose {@code objects[]}
 * each hold {@code obj_cls}, {@code referring_sentence}, {@code is_unique} and the box as {@code obj_corner} (the
 * oriented box's four corners x,y normalised to the image, taken here as their axis-aligned hull) or, without it,
 * {@code obj_coord} (x1,y1,x2,y2 normalised). Objects without a sentence are not expressions and are skipped.
 *
 * <p>Splits: {@code test} is VRSBench's referring benchmark when {@value #EVAL_FILE} is in ROOT (a JSON array of
 * records with {@code image_id}, {@code question}, {@code ground_truth} as {@code {<x1><y1><x2><y2>}} on a 0-100
 * grid of the image, and {@code obj_cls}), else VRSBench's validation set ({@code Annotations_val}, which that
 * file is drawn from); {@code val} is every {@value #VAL_EVERY}th image of {@code Annotations_train} in file-name
 * order, held out for model selection; {@code train} is the rest. Global indices run over the train folder's files
 * in file-name order, then the test split's records in their order.
 */
public final class VrsBenchDataset extends ListedDataset {
    /** The training annotations' folder. */
    public static final String TRAIN_ANNOTATIONS = "Annotations_train";
    /** The validation annotations' folder: the test split here. */
    public static final String VAL_ANNOTATIONS = "Annotations_val";
    /** VRSBench's referring evaluation file: the test split when present. */
    public static final String EVAL_FILE = "VRSBench_EVAL_referring.json";
    /** The validation images, which the evaluation file's {@code image_id} names. */
    public static final String VAL_IMAGES = "Images_val";
    /** One training image in this many goes to the val split. */
    public static final int VAL_EVERY = 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private VrsBenchDataset(Path root, int objectCount, List<Sample> all, Map<String, List<Sample>> splits,
            List<Problem> problems, List<DatasetImage> images) {
        super(root, objectCount, all, splits, problems, images);
    }

    /**
     * One object with a sentence, its box still normalised.
     *
     * @param json the file it was read from
     * @param where the entry within that file, e.g. {@code objects[3]}
     */
    private record Entry(String split, Path json, Path image, String where, String className, double[] normalised,
            String query) {
    }

    /** Reads both annotation folders and the headers of their images, recording every problem. */
    public static VrsBenchDataset scan(Path root) throws IOException {
        Path absRoot = root.toAbsolutePath().normalize();
        List<Problem> problems = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        Set<Path> imageFiles = new LinkedHashSet<>();
        read(absRoot, TRAIN_ANNOTATIONS, "Images_train", true, entries, imageFiles, problems);
        if (Files.isRegularFile(absRoot.resolve(EVAL_FILE))) {
            VrsBenchEvalFile.read(absRoot.resolve(EVAL_FILE), absRoot.resolve(VAL_IMAGES), problems).forEach(r -> {
                imageFiles.add(r.image());
                entries.add(new Entry("test", absRoot.resolve(EVAL_FILE), r.image(), r.where(), r.className(),
                        r.normalised(), r.query()));
            });
        } else {
            read(absRoot, VAL_ANNOTATIONS, VAL_IMAGES, false, entries, imageFiles, problems);
        }
        Map<Path, Dimension> sizes = ImageSizes.read(imageFiles, absRoot, problems);
        Map<String, List<Sample>> splits = new LinkedHashMap<>();
        SplitChecker.SPLIT_NAMES.forEach(s -> splits.put(s, new ArrayList<>()));
        List<Sample> all = new ArrayList<>();
        for (int index = 0; index < entries.size(); index++) {
            Entry e = entries.get(index);
            Sample s = sample(e, index, sizes.get(e.image()), absRoot, problems);
            if (s != null) {
                splits.get(e.split()).add(s);
                all.add(s);
            }
        }
        splits.replaceAll((k, v) -> List.copyOf(v));
        List<DatasetImage> images = new ArrayList<>();
        for (Path file : imageFiles) {
            images.add(new DatasetImage(file, DiorRsvgDataset.display(absRoot, file), Files.isRegularFile(file), 0, 0,
                    null, 0, sizes.containsKey(file)));
        }
        return new VrsBenchDataset(absRoot, entries.size(), List.copyOf(all), splits, List.copyOf(problems),
                List.copyOf(images));
    }

    /** Reads one annotation folder in file-name order. */
    private static void read(Path root, String folder, String imageFolder, boolean training, List<Entry> entries,
            Set<Path> imageFiles, List<Problem> problems) throws IOException {
        Path dir = root.resolve(folder);
        if (!Files.isDirectory(dir)) {
            problems.add(new Problem(folder, null, null, "annotation folder not found"));
            return;
        }
        List<Path> files = SortedFiles.list(dir, ".json");
        for (int i = 0; i < files.size(); i++) {
            String split = !training ? "test" : (i % VAL_EVERY == VAL_EVERY - 1 ? "val" : "train");
            readFile(root, files.get(i), root.resolve(imageFolder), split, entries, imageFiles, problems);
        }
    }

    private static void readFile(Path root, Path json, Path imagesDir, String split, List<Entry> entries,
            Set<Path> imageFiles, List<Problem> problems) {
        String name = DiorRsvgDataset.display(root, json);
        JsonNode node;
        try {
            node = JSON.readTree(json.toFile());
        } catch (IOException e) {
            problems.add(new Problem(name, null, null, "not valid JSON: " + e.getMessage().lines().findFirst()
                    .orElse("")));
            return;
        }
        JsonNode image = node == null ? null : node.get("image");
        JsonNode objects = node == null ? null : node.get("objects");
        if (image == null || !image.isTextual() || objects == null || !objects.isArray()) {
            problems.add(new Problem(name, null, null, "expected {\"image\": file name, \"objects\": [...]}"));
            return;
        }
        Path imageFile = imagesDir.resolve(image.asText()).normalize();
        for (int k = 0; k < objects.size(); k++) {
            JsonNode o = objects.get(k);
            String sentence = o.path("referring_sentence").asText("").strip();
            if (sentence.isEmpty()) {
                continue;
            }
            double[] box = normalisedBox(o);
            if (box == null) {
                problems.add(new Problem(name, null, null, "objects[" + k + "]: expected obj_corner (8 numbers) or "
                        + "obj_coord (4 numbers), normalised to the image"));
                continue;
            }
            imageFiles.add(imageFile);
            entries.add(new Entry(split, json, imageFile, "objects[" + k + "]", o.path("obj_cls").asText("object"),
                    box, sentence.toLowerCase(Locale.ROOT)));
        }
    }

    /** @return x1,y1,x2,y2 normalised: the hull of {@code obj_corner}, else {@code obj_coord}; null when neither */
    static double[] normalisedBox(JsonNode object) {
        double[] corners = numbers(object.get("obj_corner"), 8);
        if (corners != null) {
            double[] box = {corners[0], corners[1], corners[0], corners[1]};
            for (int i = 2; i < 8; i += 2) {
                box[0] = Math.min(box[0], corners[i]);
                box[1] = Math.min(box[1], corners[i + 1]);
                box[2] = Math.max(box[2], corners[i]);
                box[3] = Math.max(box[3], corners[i + 1]);
            }
            return box;
        }
        return numbers(object.get("obj_coord"), 4);
    }

    private static double[] numbers(JsonNode array, int count) {
        if (array == null || !array.isArray() || array.size() != count) {
            return null;
        }
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            if (!array.get(i).isNumber()) {
                return null;
            }
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static Sample sample(Entry e, int index, Dimension size, Path root, List<Problem> problems) {
        if (size == null) {
            return null; // the image's problem is recorded
        }
        double[] n = e.normalised();
        String where = DiorRsvgDataset.display(root, e.json());
        if (!Double.isFinite(n[0] + n[1] + n[2] + n[3])) {
            problems.add(new Problem(where, null, index, e.where() + ": a coordinate is too large "
                    + "for a number"));
            return null;
        }
        if (!(n[2] > n[0] && n[3] > n[1])) {
            problems.add(new Problem(where, null, index, e.where() + ": the box has no area"));
            return null;
        }
        Box box = new Box(n[0] * size.width, n[1] * size.height, n[2] * size.width, n[3] * size.height);
        String wrong = ImageSizes.boxProblem(box, size.width, size.height);
        if (wrong != null) {
            problems.add(new Problem(where, null, index, e.where() + ": " + wrong
                    + " (coordinates are read as normalised to [0, 1])"));
            return null;
        }
        String id = e.image().getFileName().toString().replaceFirst("\\.[^.]*$", "");
        return new Sample(index, id, e.image(), size.width, size.height, e.className(),
                box.clamp(0, 0, size.width, size.height), e.query(), e.json(), 0);
    }

    @Override
    public String format() {
        return "vrsbench";
    }
}
