package io.rsground.data;

import io.rsground.image.Images;
import io.rsground.image.ReadOptions;
import java.awt.Dimension;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Checks a data set completely: annotations and splits as {@link GroundingDataset#scan} does, plus
 * every image the annotations refer to, decoded in full (or, in quick mode, only its header read), and its size
 * compared with the annotation's {@code <size>}. Images are decoded strictly by {@link Images} (a decoder warning
 * such as a truncated JPEG's is an error; the header's size is checked against the pixel limit before decoding).
 * Images are decoded in parallel; the report's order is fixed.
 */
public final class DatasetChecker {

    private DatasetChecker() {
    }

    /**
     * @param root the data root
     * @param splitsDir the folder of the split files, or {@code null} for {@code ROOT/splits}
     * @param quick read image headers only instead of decoding images
     * @return statistics and every problem found
     * @throws IOException when the root is not a folder or a folder cannot be listed
     */
    public static CheckReport check(Path root, Path splitsDir, boolean quick) throws IOException {
        return check(root, splitsDir, quick, ProgressListener.NONE);
    }

    /**
     * @param root the data root
     * @param splitsDir the folder of the split files, or {@code null} for {@code ROOT/splits}
     * @param quick read image headers only instead of decoding images
     * @param progress told after each image (from worker threads)
     * @return statistics and every problem found
     * @throws IOException when the root is not a folder or a folder cannot be listed
     */
    public static CheckReport check(Path root, Path splitsDir, boolean quick, ProgressListener progress)
            throws IOException {
        return check(root, splitsDir, quick, ReadOptions.DEFAULT, progress);
    }

    /**
     * @param root the data root
     * @param splitsDir the folder of the split files, or {@code null} for {@code ROOT/splits}
     * @param quick read image headers only instead of decoding images
     * @param readOptions how images are decoded (pixel limit, bands), as training will decode them
     * @param progress told after each image (from worker threads)
     * @return statistics and every problem found
     * @throws IOException when the root is not a folder or a folder cannot be listed
     */
    public static CheckReport check(Path root, Path splitsDir, boolean quick, ReadOptions readOptions,
            ProgressListener progress) throws IOException {
        GroundingDataset dataset = GroundingDataset.scan(root, splitsDir);
        List<Problem> problems = new ArrayList<>(dataset.problems());
        problems.addAll(checkImages(dataset.images(), quick, readOptions, progress));

        Map<String, CheckReport.SplitStats> splits = new LinkedHashMap<>();
        for (String split : SplitChecker.SPLIT_NAMES) {
            splits.put(split, stats(dataset.split(split)));
        }
        Map<String, Integer> classes = new TreeMap<>();
        for (String name : dataset.classNames()) {
            classes.merge(name, 1, Integer::sum);
        }
        Map<String, String> fingerprints = new LinkedHashMap<>();
        for (String split : SplitChecker.SPLIT_NAMES) {
            fingerprints.put(split, dataset.fingerprint(split));
        }
        return new CheckReport(dataset.root(), dataset.format(), quick, dataset.imageCount(), dataset.objectCount(),
                splits, fingerprints, classes, problems);
    }

    private static List<Problem> checkImages(List<GroundingDataset.DatasetImage> images, boolean quick, ReadOptions readOptions,
            ProgressListener progress) {
        AtomicInteger done = new AtomicInteger();
        int total = images.size();
        // Ordered collect keeps the problem order independent of which thread finished first.
        List<List<Problem>> perImage = IntStream.range(0, total).parallel().mapToObj(i -> {
            List<Problem> found = checkImage(images.get(i), quick, readOptions);
            progress.progress(done.incrementAndGet(), total);
            return found;
        }).collect(Collectors.toList());
        List<Problem> all = new ArrayList<>();
        perImage.forEach(all::addAll);
        return all;
    }

    private static List<Problem> checkImage(GroundingDataset.DatasetImage e, boolean quick, ReadOptions readOptions) {
        if (!e.exists()) {
            return List.of(); // reported by the scan
        }
        int width;
        int height;
        try {
            if (quick) {
                Dimension d = Images.readSize(e.file());
                width = d.width;
                height = d.height;
            } else {
                BufferedImage image = Images.read(e.file(), readOptions);
                width = image.getWidth();
                height = image.getHeight();
            }
        } catch (IOException ex) {
            if (!e.sizeKnown()) {
                return List.of(); // the scan could not read its header either and said so
            }
            return List.of(new Problem(e.displayName(), null, null,
                    "unreadable image: " + DiorRsvgDataset.reason(ex, e.file())));
        }
        if (e.declaredWidth() > 0 && (e.declaredWidth() != width || e.declaredHeight() != height)) {
            return List.of(new Problem(e.declaredIn(), e.declaredLine() > 0 ? e.declaredLine() : null, null,
                    "<size> says " + e.declaredWidth() + "x" + e.declaredHeight() + " but the image "
                            + e.displayName() + " is " + width + "x" + height));
        }
        return List.of();
    }

    private static CheckReport.SplitStats stats(List<Sample> samples) {
        Map<String, Integer> classes = new TreeMap<>();
        Set<Path> images = new HashSet<>();
        int[] words = new int[samples.size()];
        long chars = 0;
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            classes.merge(s.className(), 1, Integer::sum);
            images.add(s.imageFile());
            words[i] = s.query().split("\\s+").length;
            chars += s.query().length();
        }
        CheckReport.QueryStats q = null;
        if (words.length > 0) {
            int[] sorted = words.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
            q = new CheckReport.QueryStats(sorted[0], median, Arrays.stream(sorted).average().orElse(0),
                    sorted[n - 1], (double) chars / n);
        }
        return new CheckReport.SplitStats(samples.size(), images.size(), classes, q);
    }
}
