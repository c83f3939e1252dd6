package io.rsground.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A referring-expression data set on disk, whatever its layout: its samples by split, every problem found while
 * reading it, and the images it refers to. {@link #scan} recognises the layout:
 *
 * <ul>
 *   <li>{@code Annotations/*.xml} (VOC style, one file per image, split files of global object indices):
 *       DIOR-RSVG ({@code JPEGImages/}, {@code splits/}) and OPT-RSVG ({@code Image/}, {@code split/}), read by
 *       {@link DiorRsvgDataset};
 *   <li>{@code Annotations_train/} and {@code Annotations_val/} of per-image JSON: VRSBench's referring task, read by
 *       {@link VrsBenchDataset};
 *   <li>split files {@code train.csv}, {@code val.csv}, {@code test.csv} of {@code file,x1,y1,x2,y2,expression}
 *       lines: RSVG-HR, read by {@link CsvGroundingDataset}.
 * </ul>
 */
public interface GroundingDataset {
    /** @return the layout's name: {@code dior-rsvg}, {@code opt-rsvg}, {@code vrsbench} or {@code rsvg-hr} */
    String format();

    /** @return the data root, absolute */
    Path root();

    /** @return the number of images the annotations describe */
    int imageCount();

    /** @return the number of annotated objects (expressions), usable or not */
    int objectCount();

    /**
     * @param split {@code train}, {@code val} or {@code test}
     * @return the usable samples of that split, in the data set's order
     * @throws IllegalArgumentException for another name
     */
    List<Sample> split(String split);

    /** @return every usable sample, by global index, whether or not a split lists it */
    List<Sample> allSamples();

    /** @return every problem found while reading, in file order */
    List<Problem> problems();

    /** @return the images the annotations refer to, for {@link DatasetChecker} to decode */
    List<DatasetImage> images();

    /** @return the class name of every object that has one, in index order (for statistics) */
    List<String> classNames();

    /**
     * An image as the annotations describe it.
     *
     * @param file the image file, absolute
     * @param displayName the image as problems name it (relative to the root)
     * @param exists whether the file exists
     * @param declaredWidth the width an annotation states, or 0 when none does (then nothing is compared)
     * @param declaredHeight the height it states, or 0
     * @param declaredIn the annotation file that states the size, as problems name it, or null
     * @param declaredLine the line that states it, or 0
     * @param sizeKnown whether the scan found the image's size (from the annotation or the image header)
     */
    record DatasetImage(Path file, String displayName, boolean exists, int declaredWidth, int declaredHeight,
            String declaredIn, int declaredLine, boolean sizeKnown) {
    }

    /**
     * Reads a data set of any known layout and records every problem.
     *
     * @param root the data root
     * @param splitsDir the folder of the split files, or null for the layout's own place
     * @return the data set with its problems
     * @throws NoSuchFileException when the root is not a folder
     * @throws IOException when a folder cannot be listed
     */
    static GroundingDataset scan(Path root, Path splitsDir) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "data root is not a folder");
        }
        if (Files.isDirectory(root.resolve("Annotations"))) {
            return DiorRsvgDataset.scan(root, splitsDir);
        }
        if (Files.isDirectory(root.resolve(VrsBenchDataset.TRAIN_ANNOTATIONS))
                || Files.isDirectory(root.resolve(VrsBenchDataset.VAL_ANNOTATIONS))) {
            return VrsBenchDataset.scan(root);
        }
        if (CsvGroundingDataset.splitFile(root, splitsDir, "train") != null
                || CsvGroundingDataset.splitFile(root, splitsDir, "test") != null) {
            return CsvGroundingDataset.scan(root, splitsDir);
        }
        return DiorRsvgDataset.scan(root, splitsDir); // the default layout, whose problems say what is missing
    }

    /**
     * Reads a data set of any known layout and refuses it when any problem is found.
     *
     * @throws DatasetException listing every problem found
     * @see #scan
     */
    static GroundingDataset open(Path root, Path splitsDir) throws IOException, DatasetException {
        GroundingDataset dataset = scan(root, splitsDir);
        if (!dataset.problems().isEmpty()) {
            throw new DatasetException("data set " + root, dataset.problems());
        }
        return dataset;
    }

    /**
     * @return the split's fingerprint ({@link SplitFingerprint}): equal fingerprints mean the same expressions on
     *     the same boxes of the same images, in the same order
     */
    default String fingerprint(String split) {
        return SplitFingerprint.of(split(split));
    }
}
