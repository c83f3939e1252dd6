package io.rsground.data;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A data set read whole into lists: what {@link DiorRsvgDataset}, {@link CsvGroundingDataset} and
 * {@link VrsBenchDataset} hold alike.
 */
abstract class ListedDataset implements GroundingDataset {
    private final Path root;
    private final int objectCount;
    private final List<Sample> all;
    private final Map<String, List<Sample>> splits;
    private final List<Problem> problems;
    private final List<DatasetImage> images;

    /**
     * @param root the data root, absolute
     * @param objectCount labels read, usable or not
     * @param all the usable samples by global index
     * @param splits the usable samples of each split
     * @param problems every problem found
     * @param images the images the labels name
     */
    ListedDataset(Path root, int objectCount, List<Sample> all, Map<String, List<Sample>> splits,
            List<Problem> problems, List<DatasetImage> images) {
        this.root = root;
        this.objectCount = objectCount;
        this.all = List.copyOf(all);
        this.splits = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(splits));
        this.problems = List.copyOf(problems);
        this.images = List.copyOf(images);
    }

    @Override
    public Path root() {
        return root;
    }

    @Override
    public int imageCount() {
        return images.size();
    }

    @Override
    public int objectCount() {
        return objectCount;
    }

    @Override
    public List<Sample> split(String split) {
        List<Sample> s = splits.get(split);
        if (s == null) {
            throw new IllegalArgumentException("unknown split '" + split + "'; known: " + splits.keySet());
        }
        return s;
    }

    @Override
    public List<Sample> allSamples() {
        return all;
    }

    @Override
    public List<Problem> problems() {
        return problems;
    }

    @Override
    public List<DatasetImage> images() {
        return images;
    }

    @Override
    public List<String> classNames() {
        return all.stream().map(Sample::className).toList();
    }
}
