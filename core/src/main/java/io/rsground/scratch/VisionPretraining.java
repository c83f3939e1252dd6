package io.rsground.scratch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.initializer.UniformInitializer;
import io.rsground.data.BatchLoader;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneObjects.LabeledBox;
import io.rsground.image.EvalTransform;
import io.rsground.image.Preprocessed;
import io.rsground.model.ClipVgModel;
import io.rsground.model.HostArrays;
import io.rsground.model.Nn;
import io.rsground.scratch.PretrainTargets.Prepared;
import io.rsground.scratch.PretrainTargets.Stacked;
import io.rsground.train.DivergenceException;
import io.rsground.train.LrSchedule;
import io.rsground.train.OptimizerKind;
import io.rsground.train.TorchOptimizer;
import io.rsground.util.TensorScope;
import java.io.IOException;
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
 * Vision pre-training: the image tower learns to see before it learns to ground. A from-scratch ViT needs thousands
 * of steps before the box loss alone reaches it; the annotations already say, for every patch, what lies there.
 * Three linear heads on the tower's multi-level patch features ({@code visual[:, 1:, :]}) are trained with it on
 * every training image:
 * <ul>
 *   <li><b>labels</b>: each patch's {@link PatchTargets coverage} by objects of each class of the data set, and of
 *       each colour where the data set knows colours (synthetic scenes); binary cross-entropy with logits, mean
 *       over patches and channels, padding left out;
 *   <li><b>box</b>: for each patch at least a quarter covered by an object, that object's box (through a sigmoid;
 *       L1, a mean over those patches weighted in inverse proportion to the object's size, {@link
 *       PretrainTargets#boxWeight}: an error counts as it does in the IoU). The centre is given from the patch's
 *       own centre ({@code 0.5 + (cx - patch cx) / S}, likewise y), the size as w / S, h / S: what a patch sees of
 *       an object's edges says where they are from the patch, the same anywhere on the canvas;
 *   <li><b>position</b>: the patch's own centre (squared error), so the features say where they are.
 * </ul>
 * Every known object counts, described or not. Each image is mirrored left-right and top-bottom at random, targets
 * with it (aerial scenes have no up or left). The heads are dropped afterwards; only the tower keeps what it
 * learned. AdamW with linear warm-up and a cosine decay over the step plan (or the time budget).
 */
public final class VisionPretraining {
    private static final Logger LOG = LoggerFactory.getLogger(VisionPretraining.class);
    /** Prepared images kept in memory (decoded again at every use beyond that). */
    static final long CACHE_BYTES = 1L << 30;

    private VisionPretraining() {
    }

    /**
     * How long and how fast.
     *
     * @param minutes wall-time budget (0: no time limit)
     * @param maxSteps step limit (0: no step limit); at least one of the two limits is needed
     * @param batchImageSet images per step
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

        /** @return the share of the plan spent after {@code step} steps, by steps or by time, whichever is further */
        double fraction(int step, long startNanos) {
            double byTime = minutes > 0 ? (System.nanoTime() - startNanos) / 1e9 / (minutes * 60) : 0;
            double bySteps = maxSteps > 0 ? (double) step / maxSteps : 0;
            return Math.max(byTime, bySteps);
        }

        /** @return warm-up steps: a tenth of the plan, between 1 and 100 (100 on a time budget alone) */
        int warmupSteps() {
            return maxSteps > 0 ? Math.max(1, Math.min(100, maxSteps / 10)) : 100;
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
     * The label channels of a run: the classes of the training images' objects (sorted), then the attributes
     * (colours) that are not class names (sorted).
     *
     * @param classes class names in channel order
     * @param attributes attribute names, channels after the classes
     * @param index every channel by name
     */
    record Labels(List<String> classes, List<String> attributes, Map<String, Integer> index) {
        static Labels of(Iterable<List<LabeledBox>> objectsOfImages) {
            TreeSet<String> classNames = new TreeSet<>();
            TreeSet<String> attributes = new TreeSet<>();
            for (List<LabeledBox> objects : objectsOfImages) {
                for (LabeledBox o : objects) {
                    classNames.add(o.className());
                    if (o.attribute() != null) {
                        attributes.add(o.attribute());
                    }
                }
            }
            attributes.removeAll(classNames);
            Map<String, Integer> index = new HashMap<>();
            classNames.forEach(name -> index.put(name, index.size()));
            attributes.forEach(name -> index.put(name, index.size()));
            return new Labels(List.copyOf(classNames), List.copyOf(attributes), index);
        }

        int channels() {
            return index.size();
        }
    }

    /** The three throw-away heads: labels [C, Wn] + [C], box [4, Wn] + [4], position [2, Wn] + [2]. */
    record Heads(Parameter classW, Parameter classB, Parameter boxW, Parameter boxB, Parameter posW, Parameter posB) {
        /** Creates the heads (drawn from the engine's generator in this order) and adds them to {@code into}. */
        static Heads create(NDManager manager, Map<String, Parameter> into, int width, int channels) {
            return new Heads(head(manager, into, "aux.classes.weight", width, channels, width),
                    head(manager, into, "aux.classes.bias", width, channels),
                    head(manager, into, "aux.box.weight", width, 4, width), head(manager, into, "aux.box.bias", width, 4),
                    head(manager, into, "aux.position.weight", width, 2, width),
                    head(manager, into, "aux.position.bias", width, 2));
        }

        private static Parameter head(NDManager manager, Map<String, Parameter> into, String name, int fanIn,
                long... shape) {
            Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(new Shape(shape))
                    .optInitializer(new UniformInitializer((float) (1 / Math.sqrt(fanIn)))).build();
            p.initialize(manager, DataType.FLOAT32);
            into.put(name, p);
            return p;
        }

        /** @return [G, P, C] label logits of patch features [G, P, Wn] */
        NDArray labels(NDArray visual) {
            return Nn.linear(visual, classW.getArray(), classB.getArray());
        }

        /** @return [G, P, 4] the box head's reading of each patch (through a sigmoid, the targets' format) */
        NDArray boxes(NDArray visual) {
            return Activation.sigmoid(Nn.linear(visual, boxW.getArray(), boxB.getArray()));
        }

        /** @return [G, P, 2] each patch's predicted centre */
        NDArray positions(NDArray visual) {
            return Nn.linear(visual, posW.getArray(), posB.getArray());
        }

        void close() {
            for (Parameter p : List.of(classW, classB, boxW, boxB, posW, posB)) {
                p.close();
            }
        }
    }

    /**
     * Images and their prepared forms.
     *
     * @param files the images, in visiting order before shuffling
     * @param objects every known object of each image
     * @param prepared prepared images kept for later use
     * @param keepBytes how many bytes of prepared images to keep ({@link #CACHE_BYTES} for the training images,
     *     which are seen every epoch; 0 for images seen once)
     * @param unreadable the images that could not be read, with the reason
     */
    private record ImageSet(List<Path> files, Map<Path, List<LabeledBox>> objects, EvalTransform transform,
            Map<Path, Prepared> prepared, long keepBytes, Map<Path, String> unreadable) {
        static ImageSet of(List<Path> files, Map<Path, List<LabeledBox>> objects, EvalTransform transform,
                long keepBytes) {
            return new ImageSet(files, objects, transform, new ConcurrentHashMap<>(), keepBytes,
                    new ConcurrentHashMap<>());
        }
    }

    /**
     * Trains the image tower of {@code model} (its other parameters are not touched).
     *
     * @param model the model, parameters initialised
     * @param manager parent manager for optimizer state and temporaries
     * @param trainImages the training samples; their images are the ones used
     * @param objectsByImage the known objects of each image ({@code SceneObjects}); an image without an entry
     *     counts as holding none
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
        Map<Path, List<LabeledBox>> objectsOfImage = new LinkedHashMap<>();
        for (Sample s : trainImages) {
            objectsOfImage.computeIfAbsent(s.imageFile(), f -> objectsByImage.getOrDefault(f, List.of()));
        }
        Labels labels = Labels.of(objectsOfImage.values());
        ImageSet images = ImageSet.of(new ArrayList<>(objectsOfImage.keySet()), objectsOfImage,
                new EvalTransform(model.config().vision().imageSize()), CACHE_BYTES);
        Map<String, Parameter> params = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> {
            if (ClipVgModel.isVisionParameter(name)) {
                p.freeze(false);
                params.put(name, p);
            }
        });
        Engine.getInstance();
        Heads heads = Heads.create(manager, params, model.config().vision().multiLevelWidth(), labels.channels());
        long start = System.nanoTime();
        Loop loop = new Loop();
        Map<String, Double> heldOut;
        try (TorchOptimizer optimizer = new TorchOptimizer(OptimizerKind.ADAMW, settings.weightDecay(), manager)) {
            train(model, manager, images, labels, heads, params, optimizer, settings, progress, start, loop);
            heldOut = measureHeldOut(model, manager, heldOutImages, objectsByImage, objectsOfImage.keySet(),
                    Math.min(settings.batchImages(), images.files().size()), images.transform(), labels, heads);
        } finally {
            heads.close();
        }
        if (!images.unreadable().isEmpty()) {
            LOG.warn("vision pre-training skipped {} unreadable images, e.g. {}", images.unreadable().size(),
                    images.unreadable().values().iterator().next());
        }
        List<String> channelNames = new ArrayList<>(labels.classes());
        channelNames.addAll(labels.attributes());
        return new Result(loop.step, (System.nanoTime() - start) / 1e9, images.files().size()
                - images.unreadable().size(), labels.classes(), List.copyOf(channelNames), loop.last, heldOut);
    }

    /** Where the steps stand. */
    private static final class Loop {
        int step;
        int summed;
        Map<String, Double> sums = new LinkedHashMap<>();
        Map<String, Double> last = Map.of();

        /** Adds a step's terms; every ten steps hands their means to the progress. */
        void add(Map<String, Double> terms, Progress progress, Settings settings, long start) {
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
                progress.step(step, Math.min(1, settings.fraction(step, start)), means);
            }
        }
    }

    /** The steps: epochs over the shuffled images until the plan is spent or a stop is asked for. */
    private static void train(ClipVgModel model, NDManager manager, ImageSet images, Labels labels, Heads heads,
            Map<String, Parameter> params, TorchOptimizer optimizer, Settings settings, Progress progress, long start,
            Loop loop) throws IOException {
        int size = model.config().vision().imageSize();
        int patchSize = model.config().vision().patchSize();
        int batch = Math.min(settings.batchImages(), images.files().size());
        float[] centres = patchCentres(size / patchSize);
        for (int epoch = 0; ; epoch++) {
            int[] order = BatchLoader.shuffled(images.files().size(), settings.seed() * 31 + epoch);
            for (int from = 0; from + batch <= order.length; from += batch) {
                double fraction = settings.fraction(loop.step, start);
                if (fraction >= 1 || progress.stopRequested()) {
                    return;
                }
                double lr = settings.lr() * LrSchedule.warmupCosine(loop.step, settings.warmupSteps(), fraction);
                List<Prepared> items = prepare(order, from, batch, images, labels, patchSize);
                SplittableRandom flips = new SplittableRandom(settings.seed() * 1_000_003L + loop.step);
                items.replaceAll(p -> p.mirrored(size, patchSize, flips.nextBoolean(), flips.nextBoolean()));
                if (items.isEmpty()) {
                    if (images.unreadable().size() == images.files().size()) {
                        throw new IOException("no training image could be read, e.g. " + images.unreadable()
                                .values().iterator().next());
                    }
                    continue;
                }
                loop.add(step(model, manager, Stacked.of(items, size,
                        model.config().vision().numPatches(), labels.channels()), labels, centres, heads, params, optimizer, lr, settings.clipMaxNorm()),
                        progress, settings, start);
            }
        }
    }

    /** @return [P, 2] row-major each patch's centre, normalised to the canvas */
    private static float[] patchCentres(int grid) {
        float[] centres = new float[grid * grid * 2];
        for (int p = 0; p < grid * grid; p++) {
            centres[p * 2] = (p % grid + 0.5f) / grid;
            centres[p * 2 + 1] = (p / grid + 0.5f) / grid;
        }
        return centres;
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
            Labels labels, Heads heads) {
        List<Path> files = heldOutImages.stream().map(Sample::imageFile).distinct()
                .filter(f -> !trainFiles.contains(f)).toList();
        if (files.isEmpty()) {
            return Map.of();
        }
        // a class or colour the training images never showed has no channel: its objects count for nothing
        Map<Path, List<LabeledBox>> objects = new HashMap<>();
        files.forEach(f -> objects.put(f, objectsByImage.getOrDefault(f, List.of()).stream()
                .filter(o -> labels.index().containsKey(o.className()))
                .map(o -> o.attribute() == null || labels.index().containsKey(o.attribute()) ? o
                        : new LabeledBox(o.box(), o.className(), null)).toList()));
        // held-out images are seen once: nothing to keep them for
        ImageSet heldOut = ImageSet.of(files, objects, transform, 0);
        HeldOutSums sums = new HeldOutSums(files.size() * model.config().vision().numPatches() * labels.channels());
        int[] order = IntStream.range(0, files.size()).toArray();
        for (int from = 0; from < files.size(); from += batch) {
            List<Prepared> items = prepare(order, from, Math.min(batch, files.size() - from), heldOut, labels,
                    model.config().vision().patchSize());
            if (!items.isEmpty()) {
                sums.add(model, manager, items, labels, heads);
            }
        }
        if (!heldOut.unreadable().isEmpty()) {
            LOG.warn("vision pre-training: {} held-out images left out, e.g. {}", heldOut.unreadable().size(),
                    heldOut.unreadable().values().iterator().next());
        }
        return sums.result(model.config().vision().numPatches(), labels);
    }

    /** The held-out measures, summed batch by batch. */
    private static final class HeldOutSums {
        final float[] logits;
        final float[] targets;
        int measured;
        double boxErrorSum;
        double boxValues;

        HeldOutSums(int values) {
            logits = new float[values];
            targets = new float[values];
        }

        void add(ClipVgModel model, NDManager manager, List<Prepared> items, Labels labels, Heads heads) {
            int size = model.config().vision().imageSize();
            int patches = model.config().vision().numPatches();
            int c = labels.channels();
            Stacked stacked = Stacked.of(items, size, patches, c);
            int g = stacked.images();
            try (TensorScope scope = TensorScope.inference(manager)) {
                NDArray visual = model.encodeImage(null, HostArrays.create(scope.manager(), stacked.pixels(),
                        new Shape(g, 3, size, size)), false).get(":, 1:, :"); // [G, P, Wn]
                float[] batchLogits = heads.labels(visual).toFloatArray(); // [G, P, C]
                System.arraycopy(batchLogits, 0, logits, measured * patches * c, batchLogits.length);
                double[] plain = PretrainTargets.plainBoxError(heads.boxes(visual).toFloatArray(), stacked.boxes(),
                        stacked.boxWeights());
                boxErrorSum += plain[0];
                boxValues += plain[1];
            }
            System.arraycopy(stacked.classes(), 0, targets, measured * patches * c, stacked.classes().length);
            measured += g;
        }

        Map<String, Double> result(int patches, Labels labels) {
            if (measured == 0) {
                return Map.of();
            }
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("box_l1", boxValues == 0 ? Double.NaN : boxErrorSum / boxValues);
            out.put("class_accuracy", PretrainTargets.classAccuracy(logits, targets, measured * patches,
                    labels.channels(), labels.classes().size()));
            out.put("images", (double) measured);
            return out;
        }
    }

    /**
     * Prepares a batch of images in parallel (from the set's kept ones where it has them), dropping those that cannot
     * be read.
     *
     * @param order image numbers in visiting order
     * @return the readable images of {@code order[from, from + batch)}, in order
     */
    private static List<Prepared> prepare(int[] order, int from, int batch, ImageSet images, Labels labels,
            int patchSize) {
        Map<Path, Prepared> cache = images.prepared();
        Prepared[] out = new Prepared[batch];
        IntStream.range(0, batch).parallel().forEach(j -> {
            Path file = images.files().get(order[from + j]);
            if (images.unreadable().containsKey(file)) {
                return;
            }
            Prepared p = cache.get(file);
            if (p == null) {
                try {
                    p = prepareOne(file, images, labels, patchSize);
                    long bytes = 4L * (p.pixels().length + p.targets().classes().length);
                    if ((long) cache.size() * bytes < images.keepBytes()) {
                        cache.put(file, p);
                    }
                } catch (IOException | RuntimeException e) {
                    images.unreadable().put(file, file + ": " + e.getMessage());
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

    private static Prepared prepareOne(Path file, ImageSet images, Labels labels, int patchSize) throws IOException {
        Preprocessed image = images.transform().apply(io.rsground.image.Images.read(file));
        boolean[] mask = image.patchMask(patchSize);
        float[] valid = new float[mask.length];
        for (int q = 0; q < mask.length; q++) {
            valid[q] = mask[q] ? 0 : 1;
        }
        return new Prepared(image.pixels(), valid, PretrainTargets.targets(images.objects().get(file), image,
                labels.index(), patchSize));
    }

    /**
     * One step on a stacked batch: the three terms, their sum's gradient, one AdamW update of the tower and heads.
     *
     * @param centres [P, 2] the patches' centres
     * @return the terms for the log: "classes", "box", "box_l1", "position", "class_accuracy"
     */
    private static Map<String, Double> step(ClipVgModel model, NDManager manager, Stacked batch, Labels labels,
            float[] centres, Heads heads, Map<String, Parameter> params, TorchOptimizer optimizer, double lr,
            double clipMaxNorm) {
        int size = model.config().vision().imageSize();
        int patches = model.config().vision().numPatches();
        int c = labels.channels();
        int g = batch.images();
        double validCount = 0;
        double boxCount = 0;
        for (int i = 0; i < batch.valid().length; i++) {
            validCount += batch.valid()[i];
            boxCount += batch.boxWeights()[i];
        }
        Map<String, Double> terms = new LinkedHashMap<>();
        try (TensorScope scope = TensorScope.training(manager)) {
            NDManager m = scope.manager();
            NDArray validArr = HostArrays.create(m, batch.valid(), new Shape(g, patches, 1));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray visual = model.encodeImage(null, HostArrays.create(m, batch.pixels(),
                        new Shape(g, 3, size, size)), true).get(":, 1:, :"); // [G, P, Wn]
                NDArray logits = heads.labels(visual); // [G, P, C]
                NDArray target = HostArrays.create(m, batch.classes(), new Shape(g, patches, c));
                NDArray classLoss = Nn.scale(Activation.softPlus(logits).sub(logits.mul(target)).mul(validArr).sum(),
                        1.0 / Math.max(1, validCount * c));
                NDArray boxPred = heads.boxes(visual);
                NDArray boxError = boxPred.sub(HostArrays.create(m, batch.boxes(), new Shape(g, patches, 4))).abs();
                NDArray boxLoss = Nn.scale(boxError.mul(HostArrays.create(m, batch.boxWeights(),
                        new Shape(g, patches, 1))).sum(), 1.0 / Math.max(1, boxCount * 4));
                NDArray posLoss = Nn.scale(heads.positions(visual).sub(HostArrays.create(m, centres,
                        new Shape(1, patches, 2))).square().mul(validArr).sum(), 1.0 / Math.max(1, validCount * 2));
                NDArray total = classLoss.add(boxLoss).add(posLoss);
                logTerms(terms, classLoss, boxLoss, posLoss, boxPred, logits, batch, labels);
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

    private static void logTerms(Map<String, Double> terms, NDArray classLoss, NDArray boxLoss, NDArray posLoss,
            NDArray boxPred, NDArray logits, Stacked batch, Labels labels) {
        terms.put("classes", (double) classLoss.getFloat());
        terms.put("box", (double) boxLoss.getFloat());
        // the plain mean, in canvas units, for people to read
        double[] plain = PretrainTargets.plainBoxError(boxPred.toFloatArray(), batch.boxes(), batch.boxWeights());
        terms.put("box_l1", plain[0] / Math.max(1, plain[1]));
        terms.put("position", (double) posLoss.getFloat());
        terms.put("class_accuracy", PretrainTargets.classAccuracy(logits.toFloatArray(), batch.classes(),
                batch.valid().length, labels.channels(), labels.classes().size()));
    }
}
