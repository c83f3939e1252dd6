package io.rsground.data.pseudo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.box.Box;
import io.rsground.data.AnnotationWriter;
import io.rsground.data.ImageSplits;
import io.rsground.data.Problem;
import io.rsground.data.SplitChecker;
import io.rsground.data.pseudo.PseudoLabeler.Labelled;
import io.rsground.data.pseudo.PseudoLabeler.LabelledImage;
import io.rsground.data.pseudo.PseudoLabeler.Tally;
import io.rsground.util.Seeds;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Writes pseudo-labels in the DIOR-RSVG layout, so that every command reads them: {@code OUT/Annotations/<id>.xml}
 * (one {@code <object>} per expression, with {@code <name>}, {@code <bndbox>} in corner pixels,
 * {@code <description>} and an extra {@code <source>} the DIOR-RSVG reader ignores), {@code OUT/JPEGImages/} (each
 * image hard-linked to the detection data's file, or copied where the file system has no hard links: the reader
 * finds images only inside that folder), {@code OUT/splits/train.txt, val.txt, test.txt} (split by image, 70/10/20 of
 * the expressions, seeded), {@code OUT/pseudo.jsonl} (one line per expression: image, index, class, box, expression,
 * source, the detector's score, split) and {@code OUT/pseudo.json} (the parameters and counts). Images without an
 * expression are left out.
 */
public final class PseudoWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a run writes into its output folder; {@code --overwrite} removes exactly these. */
    static final List<String> OUTPUTS = List.of("Annotations", "JPEGImages", "splits", "pseudo.jsonl", "pseudo.json");

    private PseudoWriter() {
    }

    /**
     * What a run wrote.
     *
     * @param out the output folder
     * @param imagesRead images whose labels and pixels were read
     * @param imagesWritten images with at least one expression
     * @param expressions expressions written
     * @param tally expressions and skipped objects per source and reason
     * @param problems every label file or image skipped, with file and line
     * @param splitExpressions expressions per split
     * @param linked images hard-linked into {@code JPEGImages}
     * @param copied images copied there (no hard link possible)
     */
    public record Summary(Path out, int imagesRead, int imagesWritten, int expressions, Tally tally,
            List<Problem> problems, Map<String, Integer> splitExpressions, int linked, int copied) {
    }

    /**
     * Refuses an output folder that holds anything, unless {@code overwrite}, when the files of an earlier run
     * ({@link #OUTPUTS}) are removed; never the data root itself or a folder holding it.
     */
    static void prepare(Path out, Path dataRoot, boolean overwrite) throws IOException {
        Path o = out.toAbsolutePath().normalize();
        Path d = dataRoot.toAbsolutePath().normalize();
        if (d.startsWith(o) || o.startsWith(d.resolve("Annotations")) || o.startsWith(d.resolve("JPEGImages"))) {
            throw new IllegalArgumentException("--out " + out + " would overwrite the detection data in " + dataRoot
                    + "; give a folder of its own");
        }
        if (Files.isDirectory(o)) {
            try (Stream<Path> s = Files.list(o)) {
                if (s.findAny().isPresent() && !overwrite) {
                    throw new FileAlreadyExistsException(out.toString(), null,
                            "output folder exists and is not empty; give --overwrite to replace an earlier run");
                }
            }
            for (String name : OUTPUTS) {
                deleteTree(o.resolve(name));
            }
        } else if (Files.exists(o)) {
            throw new FileAlreadyExistsException(out.toString(), null, "is a file, not a folder");
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    static Summary write(PseudoLabeler.Options options, List<LabelledImage> images, Tally tally,
            List<Problem> problems) throws IOException {
        Path out = options.out();
        Files.createDirectories(out.resolve("Annotations"));
        Files.createDirectories(out.resolve("JPEGImages"));
        Files.createDirectories(out.resolve("splits"));
        // The reader numbers objects in annotation file-name order; write them in that order.
        List<LabelledImage> written = new ArrayList<>(images.stream().filter(i -> !i.labelled().isEmpty()).toList());
        written.sort(Comparator.comparing(i -> i.image().id() + ".xml"));
        long[] counts = written.stream().mapToLong(i -> i.labelled().size()).toArray();
        int[] splitOf = ImageSplits.assign(counts, new SplittableRandom(Seeds.mix64(options.seed() ^ 0x5053455544L)));
        List<List<Integer>> splitIndices = new ArrayList<>();
        Map<String, Integer> splitCounts = new LinkedHashMap<>();
        for (String name : SplitChecker.SPLIT_NAMES) {
            splitIndices.add(new ArrayList<>());
            splitCounts.put(name, 0);
        }
        int index = 0;
        int linked = 0;
        try (Writer jsonl = Files.newBufferedWriter(out.resolve("pseudo.jsonl"), StandardCharsets.UTF_8)) {
            for (int i = 0; i < written.size(); i++) {
                LabelledImage li = written.get(i);
                String imageName = imageName(li.image());
                linked += link(li.image().imageFile(), out.resolve("JPEGImages").resolve(imageName)) ? 1 : 0;
                writeAnnotation(out.resolve("Annotations").resolve(li.image().id() + ".xml"), imageName, li);
                String split = SplitChecker.SPLIT_NAMES.get(splitOf[i]);
                for (Labelled l : li.labelled()) {
                    jsonl.write(jsonLine(imageName, index, l, split));
                    jsonl.write('\n');
                    splitIndices.get(splitOf[i]).add(index++);
                    splitCounts.merge(split, 1, Integer::sum);
                }
            }
        }
        writeSplits(out.resolve("splits"), splitIndices);
        Summary summary = new Summary(out, images.size(), written.size(), index, tally, List.copyOf(problems),
                splitCounts, linked, written.size() - linked);
        Files.writeString(out.resolve("pseudo.json"), JSON.writerWithDefaultPrettyPrinter()
                .writeValueAsString(summaryJson(options, summary)) + "\n", StandardCharsets.UTF_8);
        return summary;
    }

    private static String imageName(DetectionImage image) {
        String name = image.imageFile().getFileName().toString();
        return image.id() + (name.contains(".") ? name.substring(name.lastIndexOf('.')) : "");
    }

    /** @return true for a hard link, false for a copy (other file system, or no hard links there) */
    private static boolean link(Path source, Path target) throws IOException {
        try {
            Files.createLink(target, source.toAbsolutePath());
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(source, target);
            return false;
        }
    }

    private static String jsonLine(String imageName, int index, Labelled l, String split) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("image", "JPEGImages/" + imageName);
        n.put("index", index);
        n.put("class", l.className());
        Box b = l.box();
        n.putArray("box_xyxy").add(round(b.x1())).add(round(b.y1())).add(round(b.x2())).add(round(b.y2()));
        n.put("expression", l.text());
        n.put("source", l.expression().source().word());
        n.put("score", l.score());
        n.put("split", split);
        return JSON.writeValueAsString(n);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static void writeSplits(Path dir, List<List<Integer>> splitIndices) throws IOException {
        for (int s = 0; s < SplitChecker.SPLIT_NAMES.size(); s++) {
            StringBuilder sb = new StringBuilder();
            for (int i : splitIndices.get(s)) {
                sb.append(i).append('\n');
            }
            Files.writeString(dir.resolve(SplitChecker.SPLIT_NAMES.get(s) + ".txt"), sb, StandardCharsets.US_ASCII);
        }
    }

    private static void writeAnnotation(Path file, String imageName, LabelledImage li) throws IOException {
        try (AnnotationWriter w = new AnnotationWriter(file, imageName, li.width(), li.height(), null)) {
            for (Labelled l : li.labelled()) {
                w.object(l.className(), Map.of(), l.box(), l.text(), Map.of("source", l.expression().source().word()));
            }
        }
    }

    private static ObjectNode summaryJson(PseudoLabeler.Options options, Summary s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("generator", "rsground pseudo");
        n.put("data_root", options.dataRoot().toAbsolutePath().normalize().toString());
        n.put("format", options.format().name().toLowerCase(Locale.ROOT));
        n.putArray("sources").addAll(options.sources().stream().sorted()
                .map(x -> JSON.getNodeFactory().textNode(x.word())).toList());
        n.put("per_image", options.perImage());
        n.put("seed", options.seed());
        n.put("wording", options.wording().name().toLowerCase(Locale.ROOT));
        n.put("min_score", options.minScore());
        n.put("detections_below_min_score", s.tally().belowScore());
        n.put("images_read", s.imagesRead());
        n.put("images_written", s.imagesWritten());
        n.put("objects", s.tally().objects());
        n.put("objects_without_expression", s.tally().objectsWithout());
        n.put("expressions", s.expressions());
        ObjectNode w = n.putObject("written");
        s.tally().written().forEach((k, v) -> w.put(k.word(), v));
        ObjectNode sk = n.putObject("skipped");
        s.tally().skipped().forEach((k, m) -> {
            ObjectNode r = sk.putObject(k.word());
            m.forEach((reason, c) -> r.put(reason.name().toLowerCase(Locale.ROOT), c));
        });
        ObjectNode sp = n.putObject("splits");
        s.splitExpressions().forEach(sp::put);
        n.put("images_linked", s.linked());
        n.put("images_copied", s.copied());
        n.put("files_skipped_problems", s.problems().size());
        return n;
    }
}
