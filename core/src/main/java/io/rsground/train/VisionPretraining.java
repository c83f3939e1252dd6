package io.rsground.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.initializer.UniformInitializer;
import io.rsground.box.Box;
import io.rsground.data.BatchLoader;
import io.rsground.data.Sample;
import io.rsground.image.EvalTransform;
import io.rsground.image.Images;
import io.rsground.image.Preprocessed;
import io.rsground.model.ClipVgModel;
import io.rsground.model.HostArrays;
import io.rsground.model.Nn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 1 of the staged recipe: the image tower learns to see before it learns to ground. A from-scratch ViT needs
 * thousands of steps before the box loss alone reaches it; the annotations already say, for every patch, what lies
 * there. Three linear heads on the tower's multi-level patch features ({@code visual[:, 1:, :]}) are trained with
 * it on every training image:
 * <ul>
 *   <li><b>labels</b>: each patch's {@link PatchTargets coverage} by objects of each class of the data set, and of
 *       each colour where the data set knows colours (synthetic scenes); binary cross-entropy with logits, mean
 *       over patches and channels, padding left out;
 *   <li><b>box</b>: for each patch at least a quarter covered by an object, that object's box (through a sigmoid;
 *       L1, a mean over those patches weighted in inverse proportion to the object's size, {@link #boxWeight}: an
 *       error counts as it does in the IoU), so the features carry place and extent. The centre is given from the
 *       patch's own centre ({@code 0.5 + (cx - patch cx) / S}, likewise y), the size as w / S, h / S: what a patch
 *       sees of an object's edges says where they are from the patch, the same anywhere on the canvas, so the tower
 *       learns it from every position at once (20 % more precise boxes in the same minutes than canvas
 *       coordinates, docs/demo-recipe.md);
 *   <li><b>position</b>: the patch's own centre (squared error), so the features say where they are.
 * </ul>
 * Every known object counts, described or not. Each image is mirrored left-right and top-bottom at random, targets
 * with it (aerial scenes have no up or left): in the same minutes the tower's boxes on images it never saw come out
 * 11 % more precise. The heads are dropped afterwards; only the tower keeps what it learned. AdamW with linear
 * warm-up and a cosine decay over the budget.
 */
public final class VisionPretraining {
    private static final Logger LOG = LoggerFactory.getLogger(VisionPretraining.class);
    /** Prepared images kept in memory (decoded again at every use beyond that). */
    static final long CACHE_BYTES = 1L << 30;
    /** A patch takes the box of the object covering at least this share of it. */
    static final float BOX_COVERAGE = 0.25f;
    /**
     * The object size (square root of its area, as a share of the canvas side) whose box weighs 1 in the box term;
     * a box weighs in inverse proportion to its object's size, so that an error counts as it would in the IoU.
     */
    static final double BOX_WEIGHT_REFERENCE_SIZE = 0.15;
    /** Keeps a box a few pixels wide from outweighing all the others. */
    static final double MAX_BOX_WEIGHT = 4;

    private VisionPretraining() {
    }

    /**
     * How long and how fast.
     *
     * @param minutes wall-time budget (0: no time limit)
     * @param maxSteps step limit (0: no step limit); at least one of the two limits is needed
     * @param batchImages images per step
     * @param lr peak learning rate
     * @param weightDecay AdamW weight decay
     * @param clipMaxNorm global gradient-norm limit, 0 for none
     * @param seed image order
     */
    public record Settings(double minutes, int maxSteps, int batchImages, double lr, double weightDecay,
            double clipMaxNorm, long seed) {
        /** Checks the settings. */
        public Settings {
            if (!(minutes > 0) && maxSteps <= 0) {
                throw new IllegalArgumentException("vision pre-training needs a time budget or a step count");
            }
            if (batchImages < 1 || !(lr > 0)) {
                throw new IllegalArgumentException("vision pre-training needs batch >= 1 and lr > 0, got "
                        + batchImages + " and " + lr);
            }
        }
    }

    /** Hears about the steps. */
    public interface Progress {
        /**
         * @param step steps done
         * @param fraction share of the budget spent, 0..1
         * @param terms running means since the last call: "classes", "box" (the size-weighted term), "box_l1" (its
         *     plain mean L1 in canvas units), "position", "class_accuracy"
         */
        void step(int step, double fraction, Map<String, Double> terms);

        /** @return true to end the stage after the current step (Ctrl-C); checked before every step */
        default boolean stopRequested() {
            return false;
        }
    }

    /**
     * What the stage did.
     *
     * @param steps optimisation steps
     * @param seconds wall time
     * @param images training images
     * @param classes the class names, in channel order
     * @param labels every channel's name: the classes, then attributes such as colours
     * @param terms running means of the last steps
     * @param heldOut the same measures on images the stage never trained on, unmirrored ("box_l1",
     *     "class_accuracy", "images"); empty without held-out images
     */
    public record Result(int steps, double seconds, int images, List<String> classes, List<String> labels,
            Map<String, Double> terms, Map<String, Double> heldOut) {
    }

    /**
     * One object as stage 1 sees it.
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
        // synthetic scenes list every drawn object with its colour; otherwise the annotations give class and box
        Path scenes = root.resolve("scenes.jsonl");
        return Files.isRegularFile(scenes) ? fromScenes(scenes, root.resolve("JPEGImages"))
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
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<Path, List<LabeledBox>> out = new LinkedHashMap<>();
        Path dir = imagesDir.toAbsolutePath().normalize();
        int lineNumber = 0;
        for (String line : Files.readAllLines(scenes)) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            try {
                com.fasterxml.jackson.databind.JsonNode n = json.readTree(line);
                List<LabeledBox> objects = new ArrayList<>();
                for (com.fasterxml.jackson.databind.JsonNode o : n.get("objects")) {
                    com.fasterxml.jackson.databind.JsonNode b = o.get("box");
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

    /** Dense targets of one image on the model's canvas. */
    record Targets(float[] classes, float[] boxes, float[] boxWeights) {
        /**
         * The targets of the canvas mirrored left-right and/or top-bottom: patches trade places, and a box centre
         * given from its patch's centre ({@code 0.5 + (cx - patch cx) / S}) becomes {@code 1 -} itself along each
         * mirrored axis; classes, coverage and sizes stay.
         *
         * @param grid patches per side
         */
        Targets mirrored(int grid, boolean horizontal, boolean vertical) {
            int patches = grid * grid;
            int c = classes.length / patches;
            float[] outClasses = new float[classes.length];
            float[] outBoxes = new float[boxes.length];
            float[] outWeights = new float[boxWeights.length];
            for (int p = 0; p < patches; p++) {
                int from = mirroredPatch(p, grid, horizontal, vertical);
                System.arraycopy(classes, from * c, outClasses, p * c, c);
                outWeights[p] = boxWeights[from];
                if (boxWeights[from] > 0) {
                    outBoxes[p * 4] = horizontal ? 1 - boxes[from * 4] : boxes[from * 4];
                    outBoxes[p * 4 + 1] = vertical ? 1 - boxes[from * 4 + 1] : boxes[from * 4 + 1];
                    outBoxes[p * 4 + 2] = boxes[from * 4 + 2];
                    outBoxes[p * 4 + 3] = boxes[from * 4 + 3];
                }
            }
            return new Targets(outClasses, outBoxes, outWeights);
        }
    }

    /** @return the row-major index of the patch that lands on patch {@code p} when the canvas is mirrored */
    static int mirroredPatch(int p, int grid, boolean horizontal, boolean vertical) {
        int row = p / grid;
        int column = p % grid;
        return (vertical ? grid - 1 - row : row) * grid + (horizontal ? grid - 1 - column : column);
    }

    /**
     * @param objects every known object of the image, boxes in original pixels
     * @param geometry where the eval transform put the image on the canvas
     * @param labelIndex channel of each class name and attribute
     * @param patchSize the tower's patch side
     * @return labels [P, C] coverage, boxes [P, 4] (0.5 + (cx - patch cx) / S, 0.5 + (cy - patch cy) / S, w / S,
     *     h / S), box weights [P] ({@link #boxWeight} where a box applies, 0 elsewhere)
     */
    static Targets targets(List<LabeledBox> objects, Preprocessed geometry, Map<String, Integer> labelIndex,
            int patchSize) {
        int size = geometry.size();
        int grid = size / patchSize;
        int patches = grid * grid;
        int c = labelIndex.size();
        float[] classes = new float[patches * c];
        float[] boxes = new float[patches * 4];
        float[] weights = new float[patches];
        float[] best = new float[patches];
        for (LabeledBox o : objects) {
            Box b = o.box();
            double x1 = b.x1() * geometry.scale() + geometry.left();
            double y1 = b.y1() * geometry.scale() + geometry.top();
            double x2 = b.x2() * geometry.scale() + geometry.left();
            double y2 = b.y2() * geometry.scale() + geometry.top();
            PatchTargets.addCoverage(classes, 0, c, labelIndex.get(o.className()), x1, y1, x2, y2, grid, patchSize);
            if (o.attribute() != null) {
                PatchTargets.addCoverage(classes, 0, c, labelIndex.get(o.attribute()), x1, y1, x2, y2, grid,
                        patchSize);
            }
            float[] cover = PatchTargets.coverage(new Box(x1, y1, x2, y2), size, patchSize);
            for (int p = 0; p < patches; p++) {
                if (cover[p] >= BOX_COVERAGE && cover[p] > best[p]) {
                    best[p] = cover[p];
                    weights[p] = boxWeight(x2 - x1, y2 - y1, size);
                    double patchX = (p % grid + 0.5) * patchSize;
                    double patchY = (p / grid + 0.5) * patchSize;
                    boxes[p * 4] = (float) (0.5 + ((x1 + x2) / 2 - patchX) / size);
                    boxes[p * 4 + 1] = (float) (0.5 + ((y1 + y2) / 2 - patchY) / size);
                    boxes[p * 4 + 2] = (float) ((x2 - x1) / size);
                    boxes[p * 4 + 3] = (float) ((y2 - y1) / size);
                }
            }
        }
        return new Targets(classes, boxes, weights);
    }

    /**
     * How much one patch's box counts in the box term: in inverse proportion to its object's size. The L1 error of
     * a box in canvas units means little for a large object and everything for a vehicle a few pixels wide; divided
     * by the object's size it counts as it does in the IoU the grounding stage is judged by.
     *
     * @param width the object's width on the canvas, pixels
     * @param height its height, pixels
     * @param canvas the canvas side, pixels
     * @return {@link #BOX_WEIGHT_REFERENCE_SIZE} / (sqrt(width * height) / canvas), at most {@link #MAX_BOX_WEIGHT}
     */
    static float boxWeight(double width, double height, int canvas) {
        double side = Math.sqrt(Math.max(width * height, 0)) / canvas;
        return (float) Math.min(MAX_BOX_WEIGHT, BOX_WEIGHT_REFERENCE_SIZE / Math.max(side, 1e-9));
    }

    /**
     * One prepared image.
     *
     * @param pixels [3, S, S] the normalised canvas
     * @param valid [P] 1 for image patches, 0 for padding
     * @param targets its dense targets
     */
    record Prepared(float[] pixels, float[] valid, Targets targets) {
        /**
         * The same image mirrored, with its targets: aerial scenes have no up or left, and the stage-1 targets
         * (what lies under each patch and its box) mirror with the image, so every image counts up to four times.
         */
        Prepared mirrored(int size, int patchSize, boolean horizontal, boolean vertical) {
            if (!horizontal && !vertical) {
                return this;
            }
            float[] out = new float[pixels.length];
            for (int channel = 0; channel < 3; channel++) {
                for (int y = 0; y < size; y++) {
                    int fromRow = (channel * size + (vertical ? size - 1 - y : y)) * size;
                    int toRow = (channel * size + y) * size;
                    for (int x = 0; x < size; x++) {
                        out[toRow + x] = pixels[fromRow + (horizontal ? size - 1 - x : x)];
                    }
                }
            }
            int grid = size / patchSize;
            float[] outValid = new float[valid.length];
            for (int p = 0; p < valid.length; p++) {
                outValid[p] = valid[mirroredPatch(p, grid, horizontal, vertical)];
            }
            return new Prepared(out, outValid, targets.mirrored(grid, horizontal, vertical));
        }
    }

    /**
     * Trains the image tower of {@code model} (its other parameters are not touched).
     *
     * @param model the model, parameters initialised
     * @param manager parent manager for optimizer state and temporaries
     * @param trainImages the training samples; their images are the ones used
     * @param objectsByImage the known objects of each image ({@link #fromAnnotations}, {@link #fromScenes}); an
     *     image without an entry counts as holding none
     * @param settings budget and rates
     * @param progress hears about every step
     * @param heldOutImages samples whose images the heads are measured on after the last step (validation), none
     *     to skip; an image also among the training ones is left out
     * @return what was done
     * @throws IOException when no training image can be read
     */
    public static Result run(ClipVgModel model, NDManager manager, List<Sample> trainImages,
            Map<Path, List<LabeledBox>> objectsByImage, Settings settings, Progress progress,
            List<Sample> heldOutImages) throws IOException {
        int size = model.config().vision().imageSize();
        int patchSize = model.config().vision().patchSize();
        int patches = model.config().vision().numPatches();
        int width = model.config().vision().multiLevelWidth();
        Map<Path, List<LabeledBox>> objectsOfImage = new LinkedHashMap<>();
        TreeSet<String> classNames = new TreeSet<>();
        TreeSet<String> attributes = new TreeSet<>();
        for (Sample s : trainImages) {
            objectsOfImage.computeIfAbsent(s.imageFile(), f -> {
                List<LabeledBox> objects = objectsByImage.getOrDefault(f, List.of());
                for (LabeledBox o : objects) {
                    classNames.add(o.className());
                    if (o.attribute() != null) {
                        attributes.add(o.attribute());
                    }
                }
                return objects;
            });
        }
        attributes.removeAll(classNames);
        List<String> classes = List.copyOf(classNames);
        Map<String, Integer> classIndex = new HashMap<>();
        for (String name : classNames) {
            classIndex.put(name, classIndex.size());
        }
        for (String name : attributes) {
            classIndex.put(name, classIndex.size());
        }
        List<Path> files = new ArrayList<>(objectsOfImage.keySet());
        EvalTransform transform = new EvalTransform(size);
        Map<Path, Prepared> prepared = new ConcurrentHashMap<>();
        Map<Path, String> unreadable = new ConcurrentHashMap<>();
        float[] centres = new float[patches * 2];
        int grid = size / patchSize;
        for (int p = 0; p < patches; p++) {
            centres[p * 2] = (p % grid + 0.5f) / grid;
            centres[p * 2 + 1] = (p / grid + 0.5f) / grid;
        }

        Map<String, Parameter> params = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> {
            if (ClipVgModel.isVisionParameter(name)) {
                p.freeze(false);
                params.put(name, p);
            }
        });
        int c = classIndex.size();
        Parameter classW = head(manager, params, "aux.classes.weight", width, c, width);
        Parameter classB = head(manager, params, "aux.classes.bias", width, c);
        Parameter boxW = head(manager, params, "aux.box.weight", width, 4, width);
        Parameter boxB = head(manager, params, "aux.box.bias", width, 4);
        Parameter posW = head(manager, params, "aux.position.weight", width, 2, width);
        Parameter posB = head(manager, params, "aux.position.bias", width, 2);

        int batch = Math.min(settings.batchImages(), files.size());
        double budgetSeconds = settings.minutes() * 60;
        int warmup = settings.maxSteps() > 0 ? Math.max(1, Math.min(100, settings.maxSteps() / 10)) : 100;
        long start = System.nanoTime();
        int step = 0;
        Map<String, Double> sums = new LinkedHashMap<>();
        Map<String, Double> last = Map.of();
        Map<String, Double> heldOut;
        int summed = 0;
        Engine.getInstance();
        boolean gradMode = JniUtils.isGradMode();
        try (TorchOptimizer optimizer = new TorchOptimizer(OptimizerKind.ADAMW, settings.weightDecay(), manager)) {
            outer:
            for (int epoch = 0; ; epoch++) {
                int[] order = BatchLoader.shuffled(files.size(), settings.seed() * 31 + epoch);
                for (int from = 0; from + batch <= order.length; from += batch) {
                    double fraction = fraction(step, settings, start, budgetSeconds);
                    if (fraction >= 1 || progress.stopRequested()) {
                        break outer;
                    }
                    double lr = settings.lr() * Math.min(1, (step + 1.0) / warmup) * 0.5
                            * (1 + Math.cos(Math.PI * fraction));
                    List<Prepared> items = prepare(files, order, from, batch, prepared, unreadable, transform,
                            objectsOfImage, classIndex, patchSize);
                    SplittableRandom flips = new SplittableRandom(settings.seed() * 1_000_003L + step);
                    items.replaceAll(p -> p.mirrored(size, patchSize, flips.nextBoolean(), flips.nextBoolean()));
                    if (items.isEmpty()) {
                        if (unreadable.size() == files.size()) {
                            throw new IOException("no training image could be read, e.g. " + unreadable.values()
                                    .iterator().next());
                        }
                        continue;
                    }
                    Map<String, Double> terms = step(model, manager, items, size, patches, c, classes.size(),
                            centres, classW,
                            classB, boxW, boxB, posW, posB, params, optimizer, lr, settings.clipMaxNorm());
                    terms.forEach((k, v) -> sums.merge(k, v, Double::sum));
                    summed++;
                    step++;
                    if (step % 10 == 0) {
                        Map<String, Double> means = new LinkedHashMap<>();
                        int n = summed;
                        sums.forEach((k, v) -> means.put(k, v / n));
                        last = means;
                        sums.clear();
                        summed = 0;
                        progress.step(step, Math.min(1, fraction(step, settings, start, budgetSeconds)), means);
                    }
                }
            }
            heldOut = measureHeldOut(model, manager, heldOutImages, objectsByImage, objectsOfImage.keySet(), batch,
                    transform, classIndex, classes.size(), patchSize, classW, classB, boxW, boxB);
        } finally {
            JniUtils.setGradMode(gradMode);
            for (Parameter p : List.of(classW, classB, boxW, boxB, posW, posB)) {
                p.close();
            }
        }
        if (!unreadable.isEmpty()) {
            LOG.warn("vision pre-training skipped {} unreadable images, e.g. {}", unreadable.size(),
                    unreadable.values().iterator().next());
        }
        List<String> labels = new ArrayList<>(classes);
        labels.addAll(attributes);
        return new Result(step, (System.nanoTime() - start) / 1e9, files.size() - unreadable.size(), classes,
                List.copyOf(labels), last, heldOut);
    }

    /**
     * The heads' plain box L1 (canvas units, over patches that hold a box) and patch class accuracy on images the
     * tower never trained on: the training figures come from mirrored images it has seen dozens of times, and only
     * these say how well it sees a new one.
     *
     * @return "box_l1", "class_accuracy", "images"; empty when no held-out image is readable
     */
    private static Map<String, Double> measureHeldOut(ClipVgModel model, NDManager manager, List<Sample> heldOutImages,
            Map<Path, List<LabeledBox>> objectsByImage, Set<Path> trainFiles, int batch, EvalTransform transform,
            Map<String, Integer> classIndex, int classCount, int patchSize, Parameter classW, Parameter classB,
            Parameter boxW, Parameter boxB) {
        List<Path> files = heldOutImages.stream().map(Sample::imageFile).distinct()
                .filter(f -> !trainFiles.contains(f)).toList();
        if (files.isEmpty()) {
            return Map.of();
        }
        int size = model.config().vision().imageSize();
        int patches = model.config().vision().numPatches();
        int c = classIndex.size();
        Map<Path, List<LabeledBox>> objects = new HashMap<>();
        // a class or colour the training images never showed has no channel: its objects count for nothing
        files.forEach(f -> objects.put(f, objectsByImage.getOrDefault(f, List.of()).stream()
                .filter(o -> classIndex.containsKey(o.className()))
                .map(o -> o.attribute() == null || classIndex.containsKey(o.attribute()) ? o
                        : new LabeledBox(o.box(), o.className(), null)).toList()));
        int[] order = IntStream.range(0, files.size()).toArray();
        Map<Path, String> unreadable = new ConcurrentHashMap<>();
        double boxErrorSum = 0;
        double boxValues = 0;
        float[] allLogits = new float[files.size() * patches * c];
        float[] allTargets = new float[allLogits.length];
        int measured = 0;
        JniUtils.setGradMode(false);
        for (int from = 0; from < files.size(); from += batch) {
            // held-out images are seen once: nothing to keep them for
            List<Prepared> items = prepare(files, order, from, Math.min(batch, files.size() - from),
                    new ConcurrentHashMap<>(), unreadable, transform, objects, classIndex, patchSize);
            if (items.isEmpty()) {
                continue;
            }
            Stacked stacked = Stacked.of(items, size, patches, c);
            int g = stacked.images();
            try (NDScope arrays = new NDScope(); NDManager scope = manager.newSubManager()) {
                arrays.suppressNotUsedWarning();
                NDArray visual = model.encodeImage(null, HostArrays.create(scope, stacked.pixels(),
                        new Shape(g, 3, size, size)), false).get(":, 1:, :"); // [G, P, Wn]
                float[] logits = Nn.linear(visual, classW.getArray(), classB.getArray()).toFloatArray(); // [G, P, C]
                System.arraycopy(logits, 0, allLogits, measured * patches * c, logits.length);
                double[] plain = plainBoxError(predictedBoxes(visual, boxW, boxB).toFloatArray(), stacked.boxes(),
                        stacked.boxWeights());
                boxErrorSum += plain[0];
                boxValues += plain[1];
            }
            System.arraycopy(stacked.classes(), 0, allTargets, measured * patches * c, stacked.classes().length);
            measured += g;
        }
        if (!unreadable.isEmpty()) {
            LOG.warn("vision pre-training: {} held-out images left out, e.g. {}", unreadable.size(),
                    unreadable.values().iterator().next());
        }
        if (measured == 0) {
            return Map.of();
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("box_l1", boxValues == 0 ? Double.NaN : boxErrorSum / boxValues);
        out.put("class_accuracy", classAccuracy(allLogits, allTargets, measured * patches, c, classCount));
        out.put("images", (double) measured);
        return out;
    }

    /**
     * @param visual [G, P, Wn] patch features
     * @return [G, P, 4] the box head's reading of each patch (through a sigmoid, the target format of
     *     {@link #targets})
     */
    private static NDArray predictedBoxes(NDArray visual, Parameter boxW, Parameter boxB) {
        return Activation.sigmoid(Nn.linear(visual, boxW.getArray(), boxB.getArray()));
    }

    /**
     * The plain (unweighted) L1 error of the patches that hold a box.
     *
     * @param predicted [G * P * 4] predicted boxes
     * @param targets [G * P * 4] their targets
     * @param weights [G * P] box weights, 0 where a patch holds no box
     * @return {sum of absolute errors, number of values summed}
     */
    static double[] plainBoxError(float[] predicted, float[] targets, float[] weights) {
        double sum = 0;
        long values = 0;
        for (int p = 0; p < weights.length; p++) {
            if (weights[p] > 0) {
                for (int k = 0; k < 4; k++) {
                    sum += Math.abs(predicted[p * 4 + k] - targets[p * 4 + k]);
                }
                values += 4;
            }
        }
        return new double[] {sum, values};
    }

    /**
     * Prepared images stacked into batch arrays.
     *
     * @param pixels [G, 3, S, S]
     * @param valid [G, P]
     * @param classes [G, P, C]
     * @param boxes [G, P, 4]
     * @param boxWeights [G, P]
     */
    private record Stacked(int images, float[] pixels, float[] valid, float[] classes, float[] boxes,
            float[] boxWeights) {
        static Stacked of(List<Prepared> items, int size, int patches, int c) {
            int g = items.size();
            int plane = 3 * size * size;
            Stacked s = new Stacked(g, new float[g * plane], new float[g * patches], new float[g * patches * c],
                    new float[g * patches * 4], new float[g * patches]);
            for (int j = 0; j < g; j++) {
                Prepared p = items.get(j);
                System.arraycopy(p.pixels(), 0, s.pixels, j * plane, plane);
                System.arraycopy(p.valid(), 0, s.valid, j * patches, patches);
                System.arraycopy(p.targets().classes(), 0, s.classes, j * patches * c, patches * c);
                System.arraycopy(p.targets().boxes(), 0, s.boxes, j * patches * 4, patches * 4);
                System.arraycopy(p.targets().boxWeights(), 0, s.boxWeights, j * patches, patches);
            }
            return s;
        }
    }

    private static double fraction(int step, Settings s, long start, double budgetSeconds) {
        double byTime = budgetSeconds > 0 ? (System.nanoTime() - start) / 1e9 / budgetSeconds : 0;
        double bySteps = s.maxSteps() > 0 ? (double) step / s.maxSteps() : 0;
        return Math.max(byTime, bySteps);
    }

    private static List<Prepared> prepare(List<Path> files, int[] order, int from, int batch,
            Map<Path, Prepared> prepared, Map<Path, String> unreadable, EvalTransform transform,
            Map<Path, List<LabeledBox>> objectsByImage, Map<String, Integer> classIndex, int patchSize) {
        Prepared[] out = new Prepared[batch];
        IntStream.range(0, batch).parallel().forEach(j -> {
            Path file = files.get(order[from + j]);
            if (unreadable.containsKey(file)) {
                return;
            }
            Prepared p = prepared.get(file);
            if (p == null) {
                try {
                    Preprocessed image = transform.apply(Images.read(file));
                    boolean[] mask = image.patchMask(patchSize);
                    float[] valid = new float[mask.length];
                    for (int q = 0; q < mask.length; q++) {
                        valid[q] = mask[q] ? 0 : 1;
                    }
                    p = new Prepared(image.pixels(), valid, targets(objectsByImage.get(file), image, classIndex,
                            patchSize));
                    long bytes = 4L * (image.pixels().length + p.targets().classes().length);
                    if ((long) prepared.size() * bytes < CACHE_BYTES) {
                        prepared.put(file, p);
                    }
                } catch (IOException | RuntimeException e) {
                    unreadable.put(file, file + ": " + e.getMessage());
                    return;
                }
            }
            out[j] = p;
        });
        List<Prepared> items = new ArrayList<>();
        for (Prepared p : out) {
            if (p != null) {
                items.add(p);
            }
        }
        return items;
    }

    private static Map<String, Double> step(ClipVgModel model, NDManager manager, List<Prepared> items, int size,
            int patches, int c, int classCount, float[] centres, Parameter classW, Parameter classB, Parameter boxW, Parameter boxB,
            Parameter posW, Parameter posB, Map<String, Parameter> params, TorchOptimizer optimizer, double lr,
            double clipMaxNorm) {
        Stacked batch = Stacked.of(items, size, patches, c);
        int g = batch.images();
        float[] valid = batch.valid();
        float[] boxWeights = batch.boxWeights();
        double validCount = 0;
        double boxCount = 0;
        for (int i = 0; i < valid.length; i++) {
            validCount += valid[i];
            boxCount += boxWeights[i];
        }
        JniUtils.setGradMode(true);
        Map<String, Double> terms = new LinkedHashMap<>();
        try (NDScope arrays = new NDScope(); NDManager scope = manager.newSubManager()) {
            arrays.suppressNotUsedWarning();
            NDArray images = HostArrays.create(scope, batch.pixels(), new Shape(g, 3, size, size));
            NDArray validArr = HostArrays.create(scope, valid, new Shape(g, patches, 1));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray visual = model.encodeImage(null, images, true).get(":, 1:, :"); // [G, P, Wn]
                NDArray logits = Nn.linear(visual, classW.getArray(), classB.getArray()); // [G, P, C]
                NDArray target = HostArrays.create(scope, batch.classes(), new Shape(g, patches, c));
                NDArray classLoss = Nn.scale(Activation.softPlus(logits).sub(logits.mul(target)).mul(validArr).sum(),
                        1.0 / Math.max(1, validCount * c));
                NDArray boxPred = predictedBoxes(visual, boxW, boxB);
                NDArray boxError = boxPred.sub(HostArrays.create(scope, batch.boxes(), new Shape(g, patches, 4))).abs();
                NDArray boxWeightArr = HostArrays.create(scope, boxWeights, new Shape(g, patches, 1));
                NDArray boxLoss = Nn.scale(boxError.mul(boxWeightArr).sum(), 1.0 / Math.max(1, boxCount * 4));
                NDArray posPred = Nn.linear(visual, posW.getArray(), posB.getArray()); // [G, P, 2]
                NDArray posLoss = Nn.scale(posPred.sub(HostArrays.create(scope, centres,
                        new Shape(1, patches, 2))).square().mul(validArr).sum(), 1.0 / Math.max(1, validCount * 2));
                NDArray total = classLoss.add(boxLoss).add(posLoss);
                terms.put("classes", (double) classLoss.getFloat());
                terms.put("box", (double) boxLoss.getFloat());
                // the plain mean, in canvas units, for people to read
                double[] plain = plainBoxError(boxPred.toFloatArray(), batch.boxes(), boxWeights);
                terms.put("box_l1", plain[0] / Math.max(1, plain[1]));
                terms.put("position", (double) posLoss.getFloat());
                terms.put("class_accuracy", classAccuracy(logits.toFloatArray(), batch.classes(), g * patches, c,
                        classCount));
                double value = total.getFloat();
                if (!Double.isFinite(value)) {
                    throw new DivergenceException(0, 0, "vision pre-training loss became " + value + ": lower its"
                            + " learning rate");
                }
                collector.backward(total);
            }
            optimizer.step(params, name -> lr, clipMaxNorm);
        }
        return terms;
    }

    /**
     * @param c channels per patch
     * @param classes the first channels that are classes (the rest are attributes)
     * @return the share of patches at least half covered by one class whose highest class logit is that class
     */
    static double classAccuracy(float[] logits, float[] targets, int rows, int c, int classes) {
        int seen = 0;
        int right = 0;
        for (int r = 0; r < rows; r++) {
            int truth = -1;
            float truthValue = 0.5f;
            int guess = 0;
            for (int k = 0; k < classes; k++) {
                if (targets[r * c + k] >= truthValue) {
                    truthValue = targets[r * c + k];
                    truth = k;
                }
                if (logits[r * c + k] > logits[r * c + guess]) {
                    guess = k;
                }
            }
            if (truth >= 0) {
                seen++;
                right += guess == truth ? 1 : 0;
            }
        }
        return seen == 0 ? Double.NaN : (double) right / seen;
    }

    private static Parameter head(NDManager manager, Map<String, Parameter> into, String name, int fanIn,
            long... shape) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(new Shape(shape))
                .optInitializer(new UniformInitializer((float) (1 / Math.sqrt(fanIn)))).build();
        p.initialize(manager, DataType.FLOAT32);
        into.put(name, p);
        return p;
    }
}
