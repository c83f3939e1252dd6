package io.rsground.data.pseudo;

import io.rsground.box.Box;
import io.rsground.data.Problem;
import io.rsground.data.SortedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads DOTA labels: {@code ROOT/labelTxt/*.txt}, one object per line {@code x1 y1 x2 y2 x3 y3 x4 y4 class
 * [difficult]} (the four corners of an oriented quadrilateral, pixels), after optional {@code imagesource:} and
 * {@code gsd:} header lines; the image is {@code ROOT/images/<label name>} with the first extension found of
 * {@code .png .jpg .jpeg .tif .tiff .bmp}. Each quadrilateral becomes the axis-aligned box around its corners.
 * A file with a bad line is skipped whole, the line reported.
 */
final class DotaDetections {

    static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp");

    private DotaDetections() {
    }

    static DetectionSet read(Path root) throws IOException {
        Path labels = root.resolve("labelTxt");
        if (!Files.isDirectory(labels)) {
            throw new NoSuchFileException(labels.toString(), null,
                    "no labelTxt folder: DOTA data holds labelTxt/*.txt and images/");
        }
        List<Path> files = SortedFiles.list(labels, ".txt");
        List<DetectionImage> images = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (Path file : files) {
            String name = file.getFileName().toString();
            String id = name.substring(0, name.length() - 4);
            String display = "labelTxt/" + name;
            List<Problem> found = new ArrayList<>();
            List<Detection> objects = parse(Files.readAllLines(file, StandardCharsets.UTF_8), display, found);
            Path image = findImage(root.resolve("images"), id);
            if (image == null) {
                found.add(new Problem(display, null, null, "no image images/" + id + ".* with an extension of "
                        + IMAGE_EXTENSIONS));
            }
            if (found.isEmpty()) {
                images.add(new DetectionImage(id, image, display, objects));
            } else {
                problems.addAll(found);
            }
        }
        return new DetectionSet(images, problems);
    }

    /**
     * @param lines the label file's lines
     * @param display the file as problems name it
     * @param problems receives one problem per bad line
     * @return the objects of the good lines
     */
    static List<Detection> parse(List<String> lines, String display, List<Problem> problems) {
        List<Detection> objects = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            int lineNumber = i + 1;
            if (line.isEmpty() || line.startsWith("imagesource:") || line.startsWith("gsd:")) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length != 9 && f.length != 10) {
                problems.add(new Problem(display, lineNumber, null, "expected 'x1 y1 x2 y2 x3 y3 x4 y4 class "
                        + "[difficult]' (9 or 10 fields), got " + f.length + " fields"));
                continue;
            }
            double[] v = new double[8];
            String bad = null;
            for (int k = 0; k < 8 && bad == null; k++) {
                try {
                    v[k] = Double.parseDouble(f[k]);
                    if (!Double.isFinite(v[k])) {
                        bad = f[k];
                    }
                } catch (NumberFormatException e) {
                    bad = f[k];
                }
                if (bad != null) {
                    problems.add(new Problem(display, lineNumber, null, "corner field " + (k + 1) + " ("
                            + (k % 2 == 0 ? "x" : "y") + (k / 2 + 1) + ") is '" + bad + "', not a number"));
                }
            }
            if (bad != null) {
                continue;
            }
            Box box = enclosing(v);
            if (box == null) {
                problems.add(new Problem(display, lineNumber, null, "the quadrilateral has no width or no height"));
                continue;
            }
            objects.add(new Detection(f[8], box, lineNumber));
        }
        return objects;
    }

    /** @return the axis-aligned box around four corners {@code x1 y1 .. x4 y4}, or null when it has no area */
    static Box enclosing(double[] v) {
        double x1 = Math.min(Math.min(v[0], v[2]), Math.min(v[4], v[6]));
        double x2 = Math.max(Math.max(v[0], v[2]), Math.max(v[4], v[6]));
        double y1 = Math.min(Math.min(v[1], v[3]), Math.min(v[5], v[7]));
        double y2 = Math.max(Math.max(v[1], v[3]), Math.max(v[5], v[7]));
        return x2 > x1 && y2 > y1 ? new Box(x1, y1, x2, y2) : null;
    }

    private static Path findImage(Path dir, String id) {
        for (String ext : IMAGE_EXTENSIONS) {
            for (String e : new String[] {ext, ext.toUpperCase(Locale.ROOT)}) {
                Path p = dir.resolve(id + e);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
