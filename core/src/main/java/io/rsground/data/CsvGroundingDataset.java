package io.rsground.data;

import io.rsground.box.Box;
import java.awt.Dimension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * RSVG-HR's layout: one file per split, {@code train.csv}, {@code val.csv}, {@code test.csv} (or {@code .txt}), in
 * {@code ROOT/splits}, the root, or a folder given; each line {@code file,x1,y1,x2,y2,expression} with the box's
 * corners in pixels and the image in {@code ROOT/images} (or {@code JPEGImages}, {@code Image}, the root). The
 * expression is everything after the fifth comma (commas in it are kept; a double-quoted expression is unquoted);
 * a first line whose box is not numbers is a header. No class is given: every object's class is {@value #CLASS}.
 * Global indices run over the train, val and test lines in that order.
 */
public final class CsvGroundingDataset extends ListedDataset {
    /** The class of every object: RSVG-HR's lines name none. */
    public static final String CLASS = "object";

    private CsvGroundingDataset(Path root, int objectCount, List<Sample> all, Map<String, List<Sample>> splits,
            List<Problem> problems, List<DatasetImage> images) {
        super(root, objectCount, all, splits, problems, images);
    }

    /** One line that parsed: the image it names, its box and its expression. */
    private record Line(String file, Path source, int line, int index, Path image, Box box, String query) {
    }

    /** @return the split's file ({@code .csv}, else {@code .txt}), or null when there is none */
    static Path splitFile(Path root, Path splitsDir, String split) {
        List<Path> dirs = splitsDir != null ? List.of(splitsDir) : List.of(root.resolve("splits"), root);
        for (Path dir : dirs) {
            for (String ext : List.of(".csv", ".txt")) {
                Path file = dir.resolve(split + ext);
                if (Files.isRegularFile(file)) {
                    return file;
                }
            }
        }
        return null;
    }

    /** @return the image folder: the first of {@code images}, {@code JPEGImages}, {@code Image} that exists, else the root */
    static Path imagesDir(Path root) {
        for (String name : List.of("images", "JPEGImages", "Image")) {
            if (Files.isDirectory(root.resolve(name))) {
                return root.resolve(name);
            }
        }
        return root;
    }

    /**
     * Reads the split files and the headers of the images they name, recording every problem.
     *
     * @param root the data root
     * @param splitsDir the folder of the split files, or null for {@code ROOT/splits} or the root
     */
    public static CsvGroundingDataset scan(Path root, Path splitsDir) throws IOException {
        Path absRoot = root.toAbsolutePath().normalize();
        Path imagesDir = imagesDir(absRoot);
        List<Problem> problems = new ArrayList<>();
        Map<String, List<Line>> lines = new LinkedHashMap<>();
        Set<Path> imageFiles = new LinkedHashSet<>();
        int[] nextIndex = {0};
        for (String split : SplitChecker.SPLIT_NAMES) {
            Path file = splitFile(absRoot, splitsDir, split);
            List<Line> parsed = file == null ? List.of() : parse(file, absRoot, imagesDir, nextIndex, problems);
            parsed.forEach(l -> imageFiles.add(l.image()));
            lines.put(split, parsed);
        }
        Map<Path, Dimension> sizes = ImageSizes.read(imageFiles, absRoot, problems);
        List<Sample> all = new ArrayList<>();
        Map<String, List<Sample>> splits = new LinkedHashMap<>();
        for (Map.Entry<String, List<Line>> e : lines.entrySet()) {
            List<Sample> samples = new ArrayList<>();
            for (Line l : e.getValue()) {
                Sample s = sample(l, sizes.get(l.image()), problems);
                if (s != null) {
                    samples.add(s);
                    all.add(s);
                }
            }
            splits.put(e.getKey(), List.copyOf(samples));
        }
        List<DatasetImage> images = new ArrayList<>();
        for (Path file : imageFiles) {
            images.add(new DatasetImage(file, DiorRsvgDataset.display(absRoot, file), Files.isRegularFile(file), 0, 0,
                    null, 0, sizes.containsKey(file)));
        }
        return new CsvGroundingDataset(absRoot, nextIndex[0], List.copyOf(all), splits, List.copyOf(problems),
                List.copyOf(images));
    }

    private static Sample sample(Line l, Dimension size, List<Problem> problems) {
        int index = l.index();
        if (size == null) {
            return null; // the image's problem is recorded
        }
        String wrong = ImageSizes.boxProblem(l.box(), size.width, size.height);
        if (wrong != null) {
            problems.add(new Problem(l.file(), l.line(), index, wrong));
            return null;
        }
        String id = l.image().getFileName().toString().replaceFirst("\\.[^.]*$", "");
        return new Sample(index, id, l.image(), size.width, size.height, CLASS,
                l.box().clamp(0, 0, size.width, size.height), l.query(), l.source(), l.line());
    }

    /**
     * @param nextIndex the global index of the file's first data line; advanced past its last (every line but a
     *     header and blank lines has one, whether it parses or not)
     * @return the lines of one split file that parse; the others are problems naming file and line
     */
    private static List<Line> parse(Path file, Path absRoot, Path imagesDir, int[] nextIndex,
            List<Problem> problems) throws IOException {
        String name = DiorRsvgDataset.display(absRoot, file);
        List<String> text = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            String raw = i == 0 ? text.get(i).replace("\uFEFF", "") : text.get(i);
            if (raw.isBlank()) {
                continue;
            }
            String[] head = raw.split(",", 6);
            if (head.length < 6) {
                problems.add(new Problem(name, i + 1, nextIndex[0]++, "expected file,x1,y1,x2,y2,expression; got "
                        + head.length + " field" + (head.length == 1 ? "" : "s")));
                continue;
            }
            double[] corners = new double[4];
            try {
                for (int k = 0; k < 4; k++) {
                    corners[k] = Double.parseDouble(head[k + 1].strip());
                }
            } catch (NumberFormatException e) {
                if (i > 0 || !out.isEmpty()) {
                    problems.add(new Problem(name, i + 1, nextIndex[0]++, "x1,y1,x2,y2 must be numbers, got '" + head[1]
                            + "," + head[2] + "," + head[3] + "," + head[4] + "'"));
                }
                continue; // a header line
            }
            Line line = line(name, file, i + 1, nextIndex[0]++, head, corners, imagesDir, problems);
            if (line != null) {
                out.add(line);
            }
        }
        return out;
    }

    private static Line line(String file, Path source, int number, int index, String[] fields, double[] c,
            Path imagesDir, List<Problem> problems) {
        if (!(c[2] > c[0] && c[3] > c[1]) || !Double.isFinite(c[0] + c[1] + c[2] + c[3])) {
            problems.add(new Problem(file, number, index, String.format(Locale.ROOT, "the box needs x1 < x2 and "
                    + "y1 < y2, got (%s, %s, %s, %s)", AnnotationReader.fmt(c[0]), AnnotationReader.fmt(c[1]),
                    AnnotationReader.fmt(c[2]), AnnotationReader.fmt(c[3]))));
            return null;
        }
        String query = unquote(fields[5].strip()).strip().toLowerCase(Locale.ROOT);
        if (query.isEmpty()) {
            problems.add(new Problem(file, number, index, "empty expression"));
            return null;
        }
        Path image = imagesDir.resolve(fields[0].strip()).normalize();
        if (!image.startsWith(imagesDir)) {
            problems.add(new Problem(file, number, index, "'" + fields[0].strip() + "' does not name a file inside "
                    + imagesDir.getFileName()));
            return null;
        }
        return new Line(file, source, number, index, image, new Box(c[0], c[1], c[2], c[3]), query);
    }

    /** @return a CSV field without its surrounding double quotes, {@code ""} read as one quote */
    static String unquote(String field) {
        if (field.length() >= 2 && field.startsWith("\"") && field.endsWith("\"")) {
            return field.substring(1, field.length() - 1).replace("\"\"", "\"");
        }
        return field;
    }

    @Override
    public String format() {
        return "rsvg-hr";
    }
}
