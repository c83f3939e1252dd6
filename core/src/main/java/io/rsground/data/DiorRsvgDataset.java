package io.rsground.data;

import io.rsground.box.Box;
import io.rsground.data.AnnotationFile.AnnotatedObject;
import io.rsground.image.Images;
import java.awt.Dimension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A DIOR-RSVG style data set on disk: {@code ROOT/JPEGImages/*.jpg}, {@code ROOT/Annotations/*.xml} (VOC style) and
 * split files {@code train.txt}, {@code val.txt}, {@code test.txt} in {@code ROOT/splits} or another folder.
 * OPT-RSVG's layout is the same with {@code ROOT/Image} and {@code ROOT/split}; split files at the root (as
 * DIOR-RSVG's first release had them) are found too.
 *
 * <p>Semantics: annotation files are read in file-name order and every {@code <object>} gets the next global index
 * from 0; a split file lists global indices; boxes are corners {@code xmin ymin xmax ymax} in pixels; the query is
 * the description, trimmed and lower-cased. Boxes up to 1 px outside the image are clamped to it; further out they
 * are a problem. The image of an annotation is {@code JPEGImages/<filename>}, or {@code JPEGImages/<xml name>.jpg}
 * without {@code <filename>}; its size is taken from {@code <size>}, else from the image header.
 *
 * <p>{@link #scan} reads annotations and splits without decoding images and records every problem; {@link #open}
 * does the same and refuses a data set with problems. {@link DatasetChecker} adds full image decoding. Objects with
 * a problem of their own (no box, bad box, missing image...) are left out of the splits.
 */
public final class DiorRsvgDataset extends ListedDataset {

    /** How far (pixels) a box may reach outside the image before it is a problem rather than clamped. */
    public static final double BOX_TOLERANCE_PX = 1.0;

    private final List<ImageEntry> entries;

    /**
     * One annotation file with its image.
     *
     * @param annotation what the XML says
     * @param imageFile the image it refers to
     * @param imageDisplayName the image as problems name it
     * @param imageExists whether that file exists
     * @param width image width used for boxes, or 0 when unknown
     * @param height image height used for boxes, or 0 when unknown
     * @param firstIndex the global index of its first object
     */
    record ImageEntry(AnnotationFile annotation, Path imageFile, String imageDisplayName, boolean imageExists,
            int width, int height, int firstIndex) {
    }

    /**
     * @param samplesByIndex the usable sample of each global object index, null where there is none
     */
    private DiorRsvgDataset(Path root, List<ImageEntry> entries, int objectCount, Sample[] samplesByIndex,
            Map<String, List<Sample>> splits, List<Problem> problems) {
        super(root, objectCount, Arrays.stream(samplesByIndex).filter(Objects::nonNull).toList(), splits, problems,
                datasetImages(entries));
        this.entries = entries;
    }

    /**
     * Reads a data set and refuses it when any problem is found.
     *
     * @param root the data root
     * @param splitsDir the folder of the split files, or {@code null} for {@code ROOT/splits}
     * @return the data set, free of problems
     * @throws NoSuchFileException when the root is not a folder
     * @throws IOException when a folder cannot be listed
     * @throws DatasetException listing every problem found
     */
    public static DiorRsvgDataset open(Path root, Path splitsDir) throws IOException, DatasetException {
        DiorRsvgDataset dataset = scan(root, splitsDir);
        if (!dataset.problems().isEmpty()) {
            throw new DatasetException("data set " + root, dataset.problems());
        }
        return dataset;
    }

    /** @return the image folder of a data set in this layout: {@code ROOT/JPEGImages}, or OPT-RSVG's {@code ROOT/Image} */
    public static Path imagesDir(Path root) {
        Path dior = root.resolve("JPEGImages");
        Path opt = root.resolve(OPT_RSVG_IMAGES);
        return !Files.isDirectory(dior) && Files.isDirectory(opt) ? opt : dior;
    }

    /** The problem of a root without annotations, naming every layout that could have been meant. */
    static final String NO_ANNOTATIONS = "annotation folder not found (the layouts read: Annotations/ of DIOR-RSVG "
            + "and OPT-RSVG, Annotations_train/ of VRSBench, train.csv of RSVG-HR)";

    /** OPT-RSVG's image folder. */
    static final String OPT_RSVG_IMAGES = "Image";

    /**
     * @return the folder of the split files when none is given: {@code ROOT/splits}, else OPT-RSVG's {@code ROOT/split},
     *     else the root when it holds {@code train.txt}
     */
    static Path defaultSplitsDir(Path root) {
        for (String name : List.of("splits", "split")) {
            if (Files.isDirectory(root.resolve(name))) {
                return root.resolve(name);
            }
        }
        return Files.isRegularFile(root.resolve("train.txt")) ? root : root.resolve("splits");
    }

    /**
     * Reads annotations and split files and records every problem; images are not decoded (their headers are read
     * only where an annotation gives no size).
     *
     * @param root the data root
     * @param splitsDir the folder of the split files, or {@code null} for {@code ROOT/splits}
     * @return the data set with its problems
     * @throws NoSuchFileException when the root is not a folder
     * @throws IOException when a folder cannot be listed
     */
    public static DiorRsvgDataset scan(Path root, Path splitsDir) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "data root is not a folder");
        }
        Path absRoot = root.toAbsolutePath().normalize();
        Path splits = splitsDir != null ? splitsDir : defaultSplitsDir(root);
        List<Problem> problems = new ArrayList<>();

        Path annotationsDir = root.resolve("Annotations");
        Path imagesDir = imagesDir(root);
        List<Path> files = listAnnotationFiles(annotationsDir, absRoot, problems);
        if (!Files.isDirectory(imagesDir)) {
            problems.add(new Problem(display(absRoot, imagesDir), null, null, "image folder not found"));
        }
        List<AnnotationFile> parsed = IntStream.range(0, files.size()).parallel()
                .mapToObj(i -> AnnotationReader.read(files.get(i), display(absRoot, files.get(i))))
                .collect(Collectors.toList());

        int objectCount = parsed.stream().mapToInt(a -> a.objects().size()).sum();
        Sample[] samples = new Sample[objectCount];
        List<ImageEntry> images = new ArrayList<>(parsed.size());
        Path imagesDirAbs = imagesDir.toAbsolutePath().normalize();
        int next = 0;
        for (AnnotationFile a : parsed) {
            problems.addAll(a.problems());
            String xmlName = a.xmlFile().getFileName().toString();
            String imageName = a.filename() != null && !a.filename().isEmpty() ? a.filename()
                    : xmlName.substring(0, xmlName.length() - 4) + ".jpg";
            ImageLookup image = lookUpImage(a, imageName, imagesDirAbs, absRoot, problems);
            String imageId = imageName.contains(".") ? imageName.substring(0, imageName.lastIndexOf('.')) : imageName;
            images.add(new ImageEntry(a, image.file(), display(absRoot, image.file()), image.exists(), image.width(),
                    image.height(), next));
            next = addObjects(a, image, imageId, next, samples, problems);
        }

        SplitChecker.SplitCheck splitCheck = SplitChecker.check(SplitChecker.files(splits), objectCount,
                p -> display(absRoot, p));
        problems.addAll(splitCheck.problems());
        Map<String, List<Sample>> splitSamples = splitSamples(splitCheck, samples, images, absRoot, problems);
        return new DiorRsvgDataset(absRoot, List.copyOf(images), objectCount, samples,
                Collections.unmodifiableMap(splitSamples), List.copyOf(problems));
    }

    /** @return the annotation files in file-name order; empty, with a problem recorded, when the folder is missing */
    private static List<Path> listAnnotationFiles(Path annotationsDir, Path absRoot, List<Problem> problems)
            throws IOException {
        if (!Files.isDirectory(annotationsDir)) {
            problems.add(new Problem(display(absRoot, annotationsDir), null, null, NO_ANNOTATIONS));
            return List.of();
        }
        return SortedFiles.list(annotationsDir, ".xml"); // file-name order: the same indices on every machine
    }

    /**
     * The image of one annotation file as far as the scan knows it.
     *
     * @param file the image file, absolute
     * @param exists whether that file exists
     * @param usable whether its objects can become samples: the image lies in JPEGImages, exists and, when its size
     *     had to come from its header, could be read
     * @param width image width used for boxes, or 0 when unknown
     * @param height image height used for boxes, or 0 when unknown
     */
    private record ImageLookup(Path file, boolean exists, boolean usable, int width, int height) {
    }

    /** Finds the image an annotation names and its size (from the annotation, else the image header). */
    private static ImageLookup lookUpImage(AnnotationFile a, String imageName, Path imagesDirAbs, Path absRoot,
            List<Problem> problems) {
        Path imageFile = imagesDirAbs.resolve(imageName).normalize();
        Integer refLine = a.filenameLine() > 0 ? a.filenameLine() : null;
        if (!imageFile.getParent().equals(imagesDirAbs)) {
            problems.add(new Problem(a.displayName(), refLine, null,
                    "<filename> '" + imageName + "' does not name a file directly inside JPEGImages"));
            return new ImageLookup(imageFile, false, false, 0, 0);
        }
        boolean usable = true;
        boolean exists = Files.isRegularFile(imageFile);
        if (!exists) {
            problems.add(new Problem(a.displayName(), refLine, null,
                    "image " + display(absRoot, imageFile) + " not found"));
            usable = false;
        }
        int width = 0;
        int height = 0;
        if (a.width() != null && a.height() != null) {
            width = a.width();
            height = a.height();
        } else if (exists) {
            try {
                Dimension d = Images.readSize(imageFile);
                width = d.width;
                height = d.height;
            } catch (IOException e) {
                problems.add(new Problem(display(absRoot, imageFile), null, null,
                        "unreadable image: " + reason(e, imageFile)));
                usable = false;
            }
        }
        return new ImageLookup(imageFile, exists, usable, width, height);
    }

    /**
     * Gives the objects of one annotation file their global indices and makes samples of the usable ones.
     *
     * @param first the global index of the file's first object
     * @param samples samples by global index, filled in
     * @return the global index after the file's last object
     */
    private static int addObjects(AnnotationFile a, ImageLookup image, String imageId, int first, Sample[] samples,
            List<Problem> problems) {
        int next = first;
        for (AnnotatedObject o : a.objects()) {
            int index = next++;
            for (Problem p : o.problems()) {
                problems.add(p.withIndex(index));
            }
            if (!image.usable() || !o.problems().isEmpty() || image.width() == 0) {
                continue;
            }
            samples[index] = sampleOf(a, o, index, image, imageId, problems);
        }
        return next;
    }

    /** @return the object as a sample with its box clamped to the image, or null after recording a bad box */
    private static Sample sampleOf(AnnotationFile a, AnnotatedObject o, int index, ImageLookup image, String imageId,
            List<Problem> problems) {
        int width = image.width();
        int height = image.height();
        Box box = o.box();
        String wrong = ImageSizes.boxProblem(box, width, height);
        if (wrong != null) {
            problems.add(new Problem(a.displayName(), o.boxLine(), index, wrong));
            return null;
        }
        Box clamped = box.clamp(0, 0, width, height);
        String query = o.description().strip().toLowerCase(Locale.ROOT);
        return new Sample(index, imageId, image.file(), width, height, o.name(), clamped, query, a.xmlFile(),
                o.line());
    }

    /** @return per split, in split order, its usable samples in split-file order (empty queries recorded instead) */
    private static Map<String, List<Sample>> splitSamples(SplitChecker.SplitCheck splitCheck, Sample[] samples,
            List<ImageEntry> images, Path absRoot, List<Problem> problems) {
        Map<String, List<Sample>> splitSamples = new LinkedHashMap<>();
        for (String split : splitCheck.splits()) {
            List<Sample> list = new ArrayList<>();
            for (int index : splitCheck.indices(split)) {
                Sample s = samples[index];
                if (s == null) {
                    continue; // its problem is already recorded
                }
                if (s.query().isEmpty()) {
                    AnnotatedObject o = objectAt(images, index);
                    problems.add(new Problem(display(absRoot, s.xmlFile()), o.descriptionLine(), index,
                            "empty <description> for an object in the " + split + " split"));
                    continue;
                }
                list.add(s);
            }
            splitSamples.put(split, Collections.unmodifiableList(list));
        }
        return splitSamples;
    }

    private static AnnotatedObject objectAt(List<ImageEntry> images, int index) {
        int lo = 0;
        int hi = images.size() - 1;
        while (lo < hi) { // last entry whose firstIndex <= index
            int mid = (lo + hi + 1) >>> 1;
            if (images.get(mid).firstIndex() <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        ImageEntry e = images.get(lo);
        return e.annotation().objects().get(index - e.firstIndex());
    }

    /**
     * @param e why an image could not be read ({@link Images} names the file at the start of its messages)
     * @param imageFile the image concerned
     * @return the message without the leading file name, for problems that name the file themselves
     */
    static String reason(IOException e, Path imageFile) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String prefix = imageFile + ": ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }

    /** @return the path relative to the root with forward slashes when inside it, else the path as it is */
    static String display(Path absRoot, Path p) {
        Path abs = p.toAbsolutePath().normalize();
        if (abs.startsWith(absRoot)) {
            return absRoot.relativize(abs).toString().replace('\\', '/');
        }
        return p.toString();
    }

    @Override
    public String format() {
        return imagesDir(root()).getFileName().toString().equals(OPT_RSVG_IMAGES) ? "opt-rsvg" : "dior-rsvg";
    }

    /** @return the class name of every object that has one, in index order (for statistics) */
    @Override
    public List<String> classNames() {
        List<String> names = new ArrayList<>(objectCount());
        for (ImageEntry e : entries) {
            for (AnnotatedObject o : e.annotation().objects()) {
                if (o.name() != null && !o.name().isEmpty()) {
                    names.add(o.name());
                }
            }
        }
        return names;
    }

    /** @return the images with the sizes their annotations state, in file-name order */
    private static List<DatasetImage> datasetImages(List<ImageEntry> entries) {
        List<DatasetImage> out = new ArrayList<>(entries.size());
        for (ImageEntry e : entries) {
            AnnotationFile a = e.annotation();
            boolean declared = a.width() != null && a.height() != null;
            out.add(new DatasetImage(e.imageFile(), e.imageDisplayName(), e.imageExists(), declared ? a.width() : 0,
                    declared ? a.height() : 0, a.displayName(), Math.max(0, a.sizeLine()), e.width() > 0));
        }
        return out;
    }
}
