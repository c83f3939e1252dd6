package io.rsground.data.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.data.AnnotationWriter;
import io.rsground.data.ImageSplits;
import io.rsground.data.ProgressListener;
import io.rsground.data.SplitChecker;
import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes a synthetic data set in the DIOR-RSVG layout: {@code JPEGImages/*.jpg}, {@code Annotations/*.xml},
 * {@code splits/train.txt, val.txt, test.txt}, plus {@code scenes.jsonl} (every drawn object with its attributes,
 * one line per image) and {@code synth.json} (the parameters).
 *
 * <p>Choices: an annotation lists only the objects that have an expression, as DIOR-RSVG does; objects no expression
 * singles out are still drawn (they are the distractors) and appear in {@code scenes.jsonl} with no index. Splits are
 * made by image, so no test image is seen in training, with the described objects shared 70/10/20 as closely as
 * whole images allow. Output is the same for a seed whatever the number of threads: scene {@code i} draws from its own
 * random source derived from (seed, i).
 */
public final class SceneGenerator {

    /**
     * Changes whenever the same parameters would draw a different data set, so that a data set drawn before is not
     * taken for a new one ({@code synth.json}'s {@code version}). 2: splits no longer send crowded images to
     * training.
     */
    public static final int VERSION = 2;

    /** Split shares of described objects: train, val, test. */
    public static final double[] SPLIT_SHARES = ImageSplits.SHARES;
    /** JPEG quality of the written images. */
    public static final float JPEG_QUALITY = 0.9f;
    /** Smallest image side accepted, pixels. */
    public static final int MIN_SIZE = 64;
    /** Largest image side accepted, pixels. */
    public static final int MAX_SIZE = 4096;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SceneGenerator() {
    }

    /**
     * What a generation produced.
     *
     * @param images images written
     * @param objectsDrawn objects drawn over all images
     * @param objectsDescribed objects with an expression (the annotation objects)
     * @param splitObjects described objects per split ({@code train, val, test})
     * @param splitImages images per split
     * @param seconds wall-clock time taken
     */
    public record Summary(int images, int objectsDrawn, int objectsDescribed, Map<String, Integer> splitObjects,
            Map<String, Integer> splitImages, double seconds) {

        /** @return images written per second */
        public double imagesPerSecond() {
            return seconds > 0 ? images / seconds : Double.POSITIVE_INFINITY;
        }
    }

    /**
     * Renders one scene without writing anything.
     *
     * @param seed the data set's seed
     * @param index the scene's number, from 0
     * @param size image side, pixels, {@value #MIN_SIZE}..{@value #MAX_SIZE}
     * @return the scene: image, objects and expressions
     */
    public static Scene render(long seed, int index, int size) {
        return render(seed, index, size, SceneOptions.DEFAULT);
    }

    /**
     * Renders one scene without writing anything.
     *
     * @param options zoom and crowding
     * @return the scene: image, objects and expressions
     */
    public static Scene render(long seed, int index, int size, SceneOptions options) {
        checkSize(size);
        if (index < 0) {
            throw new IllegalArgumentException("scene index must be >= 0, got " + index);
        }
        return SceneRenderer.render(seed, index, size, options);
    }

    /**
     * Writes a data set with two worker threads (fewer on a one-core machine).
     *
     * @param outDir the output folder; created if needed, must not already hold images or annotations
     * @param images number of images, at least 1
     * @param size image side, pixels
     * @param seed the seed; the same seed gives the same files
     * @param progress told after each image
     * @return counts and timing
     * @throws IOException when a file cannot be written
     */
    public static Summary generate(Path outDir, int images, int size, long seed, ProgressListener progress)
            throws IOException {
        return generate(outDir, images, size, seed, Math.min(2, Runtime.getRuntime().availableProcessors()), progress);
    }

    /**
     * Writes a data set.
     *
     * @param outDir the output folder; created if needed, must not already hold images or annotations
     * @param images number of images, at least 1
     * @param size image side, pixels
     * @param seed the seed; the same seed gives the same files
     * @param threads worker threads rendering images (the output does not depend on it)
     * @param progress told after each image
     * @return counts and timing
     * @throws IOException when a file cannot be written
     */
    public static Summary generate(Path outDir, int images, int size, long seed, int threads,
            ProgressListener progress) throws IOException {
        return generate(outDir, images, size, seed, threads, SceneOptions.DEFAULT, progress);
    }

    /**
     * Writes a data set.
     *
     * @param outDir the output folder; created if needed, must not already hold images or annotations
     * @param images number of images, at least 1
     * @param size image side, pixels
     * @param seed the seed; the same seed gives the same files
     * @param threads worker threads rendering images (the output does not depend on it)
     * @param options zoom and crowding of the scenes
     * @param progress told after each image
     * @return counts and timing
     * @throws IOException when a file cannot be written
     */
    public static Summary generate(Path outDir, int images, int size, long seed, int threads, SceneOptions options,
            ProgressListener progress) throws IOException {
        checkSize(size);
        if (images < 1 || images > 10_000_000) {
            throw new IllegalArgumentException("number of images must be 1..10000000, got " + images);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        long start = System.nanoTime();
        Path imagesDir = outDir.resolve("JPEGImages");
        Path annotationsDir = outDir.resolve("Annotations");
        Path splitsDir = outDir.resolve("splits");
        requireNoFiles(imagesDir, annotationsDir);
        Files.createDirectories(imagesDir);
        Files.createDirectories(annotationsDir);
        Files.createDirectories(splitsDir);

        int digits = Math.max(5, String.valueOf(images).length());
        String idFormat = "%0" + digits + "d";
        List<List<SceneObject>> objects = renderAll(imagesDir, images, size, seed, threads, options, idFormat,
                progress);

        // Global indices over the described objects, in file-name (= scene) order.
        int[] firstIndex = new int[images];
        int described = 0;
        int drawn = 0;
        for (int i = 0; i < images; i++) {
            firstIndex[i] = described;
            drawn += objects.get(i).size();
            described += (int) objects.get(i).stream().filter(SceneObject::described).count();
        }
        int[] splitOf = assignSplits(objects, seed);

        SplitTally tally = writeAnnotationsAndScenes(outDir, annotationsDir, idFormat, size, objects, firstIndex,
                splitOf);
        writeSplitFiles(splitsDir, tally.indices());
        ObjectNode params = JSON.createObjectNode();
        params.put("generator", "rsground synth");
        params.put("version", VERSION);
        params.put("seed", seed);
        params.put("images", images);
        params.put("size", size);
        params.put("zoom", options.zoom());
        params.put("crowding", options.crowding());
        params.put("objectsDrawn", drawn);
        params.put("objectsDescribed", described);
        Files.writeString(outDir.resolve("synth.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(params)
                + "\n", StandardCharsets.UTF_8);
        return new Summary(images, drawn, described, tally.objects(), tally.images(),
                (System.nanoTime() - start) / 1e9);
    }

    /** @throws IOException when one of the folders exists and holds anything */
    private static void requireNoFiles(Path... dirs) throws IOException {
        for (Path d : dirs) {
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    if (s.findAny().isPresent()) {
                        throw new IOException(d + " already holds files; write the synthetic data set to an empty "
                                + "folder (mixing data sets would shift the global object indices)");
                    }
                }
            }
        }
    }

    /**
     * What the splits received, by split name in {@link SplitChecker#SPLIT_NAMES} order.
     *
     * @param objects described objects per split
     * @param images images per split
     * @param indices per split number, the global indices of its objects in file order
     */
    private record SplitTally(Map<String, Integer> objects, Map<String, Integer> images, List<List<Integer>> indices) {
    }

    /**
     * Writes each scene's annotation and its {@code scenes.jsonl} line, in scene order.
     *
     * @param firstIndex per scene, the global index of its first described object
     * @param splitOf per scene, its split number, -1 for none
     * @return the objects, images and indices each split received
     */
    private static SplitTally writeAnnotationsAndScenes(Path outDir, Path annotationsDir, String idFormat, int size,
            List<List<SceneObject>> objects, int[] firstIndex, int[] splitOf) throws IOException {
        SplitTally tally = new SplitTally(new LinkedHashMap<>(), new LinkedHashMap<>(), new ArrayList<>());
        for (String name : SplitChecker.SPLIT_NAMES) {
            tally.objects().put(name, 0);
            tally.images().put(name, 0);
            tally.indices().add(new ArrayList<>());
        }
        try (Writer jsonl = Files.newBufferedWriter(outDir.resolve("scenes.jsonl"), StandardCharsets.UTF_8)) {
            for (int i = 0; i < objects.size(); i++) {
                String id = String.format(idFormat, i + 1);
                List<SceneObject> scene = objects.get(i);
                writeAnnotation(annotationsDir.resolve(id + ".xml"), id, size, scene);
                String split = splitOf[i] < 0 ? null : SplitChecker.SPLIT_NAMES.get(splitOf[i]);
                jsonl.write(sceneJson(id, size, split, scene, firstIndex[i]));
                jsonl.write('\n');
                if (split != null) {
                    int index = firstIndex[i];
                    for (SceneObject o : scene) {
                        if (o.described()) {
                            tally.indices().get(splitOf[i]).add(index++);
                        }
                    }
                    tally.objects().merge(split, index - firstIndex[i], Integer::sum);
                    tally.images().merge(split, 1, Integer::sum);
                }
            }
        }
        return tally;
    }

    /** Writes {@code train.txt}, {@code val.txt} and {@code test.txt}: one global object index per line. */
    private static void writeSplitFiles(Path splitsDir, List<List<Integer>> splitIndices) throws IOException {
        for (int s = 0; s < SplitChecker.SPLIT_NAMES.size(); s++) {
            try (BufferedWriter w = Files.newBufferedWriter(
                    splitsDir.resolve(SplitChecker.SPLIT_NAMES.get(s) + ".txt"), StandardCharsets.US_ASCII)) {
                for (int index : splitIndices.get(s)) {
                    w.write(Integer.toString(index));
                    w.write('\n');
                }
            }
        }
    }

    private static void checkSize(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw new IllegalArgumentException("image size must be " + MIN_SIZE + ".." + MAX_SIZE + " px, got " + size);
        }
    }

    private static List<List<SceneObject>> renderAll(Path imagesDir, int images, int size, long seed, int threads,
            SceneOptions options,
            String idFormat, ProgressListener progress) throws IOException {
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "synth-render");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<List<SceneObject>>> futures = new ArrayList<>(images);
            for (int i = 0; i < images; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    Scene scene = SceneRenderer.render(seed, index, size, options);
                    writeJpeg(scene.image(), imagesDir.resolve(String.format(idFormat, index + 1) + ".jpg"));
                    progress.progress(done.incrementAndGet(), images);
                    return scene.objects();
                }));
            }
            List<List<SceneObject>> out = new ArrayList<>(images);
            for (Future<List<SceneObject>> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while generating scenes", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw new IllegalStateException("scene generation failed: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Writes an image as JPEG at quality {@value #JPEG_QUALITY}.
     *
     * @param image the image, {@code TYPE_INT_RGB}
     * @param file the output file
     * @throws IOException when it cannot be written
     */
    public static void writeJpeg(BufferedImage image, Path file) throws IOException {
        writeJpeg(image, file, JPEG_QUALITY);
    }

    /**
     * Writes an image as JPEG.
     *
     * @param image the image, {@code TYPE_INT_RGB}
     * @param file the output file
     * @param quality JPEG quality, 0..1
     * @throws IOException when it cannot be written
     */
    public static void writeJpeg(BufferedImage image, Path file, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (OutputStream out = Files.newOutputStream(file);
                ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    /**
     * Splits by image ({@link ImageSplits}), with the described objects as the counts.
     *
     * @return per image the split number (0 train, 1 val, 2 test), -1 for an image without described objects
     */
    static int[] assignSplits(List<List<SceneObject>> objects, long seed) {
        long[] counts = new long[objects.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = objects.get(i).stream().filter(SceneObject::described).count();
        }
        return ImageSplits.assign(counts, SceneRenderer.randomFor(seed, Integer.MAX_VALUE));
    }

    private static final Map<String, String> VOC_DEFAULTS = voc();

    private static Map<String, String> voc() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("pose", "Unspecified");
        m.put("truncated", "0");
        m.put("difficult", "0");
        return Collections.unmodifiableMap(m);
    }

    private static void writeAnnotation(Path file, String id, int size, List<SceneObject> objects) throws IOException {
        try (AnnotationWriter w = new AnnotationWriter(file, id + ".jpg", size, size, "rsground synthetic scenes")) {
            for (SceneObject o : objects) {
                if (o.described()) {
                    w.object(o.sceneClass().diorName(), VOC_DEFAULTS, o.box(), o.description(), Map.of());
                }
            }
        }
    }

    private static String sceneJson(String id, int size, String split, List<SceneObject> objects, int firstIndex)
            throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("image", id + ".jpg");
        n.put("width", size);
        n.put("height", size);
        n.put("split", split);
        ArrayNode arr = n.putArray("objects");
        int index = firstIndex;
        for (SceneObject o : objects) {
            ObjectNode j = arr.addObject();
            j.put("id", o.id());
            j.put("class", o.sceneClass().diorName());
            j.put("colour", o.colour().word());
            j.put("size", o.sizeClass().word());
            j.put("length", Math.round(o.length() * 100) / 100.0);
            j.put("rotation", Math.round(o.rotationDeg() * 100) / 100.0);
            ArrayNode box = j.putArray("box");
            box.add(Math.round(o.box().x1())).add(Math.round(o.box().y1())).add(Math.round(o.box().x2()))
                    .add(Math.round(o.box().y2()));
            if (o.described()) {
                j.put("index", index++);
                j.put("description", o.description());
                j.set("referring", referringJson(o.referring()));
            } else {
                j.putNull("index");
                j.putNull("description");
                j.putNull("referring");
            }
        }
        return JSON.writeValueAsString(n);
    }

    /**
     * @param r an expression's content
     * @return it as JSON: {@code {"class", "colour", "size", "region", "superlative", "anchor"}}, absent parts null
     */
    static ObjectNode referringJson(Referring r) {
        ObjectNode j = JSON.createObjectNode();
        j.put("class", r.sceneClass().diorName());
        j.put("colour", r.colour() == null ? null : r.colour().word());
        j.put("size", r.size() == null ? null : r.size().word());
        j.put("region", r.region() == null ? null : r.region().name().toLowerCase(java.util.Locale.ROOT));
        j.put("superlative", r.superlative() == null ? null
                : r.superlative().name().toLowerCase(java.util.Locale.ROOT));
        if (r.anchor() == null) {
            j.putNull("anchor");
        } else {
            j.set("anchor", referringJson(r.anchor()));
        }
        return j;
    }
}
