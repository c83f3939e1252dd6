package io.rsground.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link DatasetChecker} found: counts, per-split statistics and every problem.
 *
 * @param root the data root checked
 * @param quick whether images were only probed (headers) rather than decoded
 * @param format the data set's layout ({@link GroundingDataset#format()})
 * @param images number of annotation files (one per image)
 * @param objects number of {@code <object>} elements over all annotation files
 * @param splits per split name ({@code train, val, test}): statistics of its usable samples
 * @param fingerprints per split name: its {@link SplitFingerprint}
 * @param classes class name to number of objects, over all annotation files, sorted by name
 * @param problems every problem, in a fixed order: annotations (file-name order), splits, images
 */
public record CheckReport(Path root, String format, boolean quick, int images, int objects,
        Map<String, SplitStats> splits, Map<String, String> fingerprints, Map<String, Integer> classes,
        List<Problem> problems) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Exit code of a clean check. */
    public static final int EXIT_CLEAN = 0;
    /** Exit code when any problem was found. */
    public static final int EXIT_PROBLEMS = 2;

    /** Makes the collections unmodifiable. */
    public CheckReport {
        splits = Collections.unmodifiableMap(new LinkedHashMap<>(splits));
        fingerprints = Collections.unmodifiableMap(new LinkedHashMap<>(fingerprints));
        classes = Collections.unmodifiableMap(new LinkedHashMap<>(classes));
        problems = List.copyOf(problems);
    }

    /**
     * Statistics of one split.
     *
     * @param samples usable samples listed by the split
     * @param images distinct images among them
     * @param classes class name to number of samples, sorted by name
     * @param queryWords query length statistics, or {@code null} for an empty split
     */
    public record SplitStats(int samples, int images, Map<String, Integer> classes, QueryStats queryWords) {
        /** Makes the map unmodifiable. */
        public SplitStats {
            classes = Collections.unmodifiableMap(new LinkedHashMap<>(classes));
        }
    }

    /**
     * Query lengths in words (split on white space).
     *
     * @param min shortest query, words
     * @param median median, words
     * @param mean mean, words
     * @param max longest query, words
     * @param meanChars mean length in characters
     */
    public record QueryStats(int min, double median, double mean, int max, double meanChars) {
    }

    /** @return true when no problem was found */
    public boolean isClean() {
        return problems.isEmpty();
    }

    /** @return {@value #EXIT_CLEAN} when clean, {@value #EXIT_PROBLEMS} when any problem was found */
    public int exitCode() {
        return isClean() ? EXIT_CLEAN : EXIT_PROBLEMS;
    }

    /**
     * @return one JSON object: {@code {"format": ..., "images": N, "objects": N, "splits": {"train": N, "val": N,
     *     "test": N}, "fingerprints": {"train": "sha256:...", ...}, "classes": {name: N, ...}, "problems": [{"file": ..., "line": N|null, "index": N|null, "message": ...}]}},
     *     where a split's number is its count of usable samples
     */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", format);
        root.put("images", images);
        root.put("objects", objects);
        ObjectNode splitNode = root.putObject("splits");
        splits.forEach((name, s) -> splitNode.put(name, s.samples()));
        ObjectNode fingerprintNode = root.putObject("fingerprints");
        fingerprints.forEach(fingerprintNode::put);
        ObjectNode classNode = root.putObject("classes");
        classes.forEach(classNode::put);
        ArrayNode problemNode = root.putArray("problems");
        for (Problem p : problems) {
            ObjectNode n = problemNode.addObject();
            n.put("file", p.file());
            n.put("line", p.line());
            n.put("index", p.index());
            n.put("message", p.message());
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write check report as JSON", e);
        }
    }

    /** @return a human summary: totals, a table per split, classes per split, then every problem */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "data set %s (%s layout)%n", root, format));
        sb.append(String.format(Locale.ROOT, "%,d images, %,d objects, %d classes%s%n", images, objects,
                classes.size(), quick ? " (quick: image headers only)" : ""));
        sb.append(String.format(Locale.ROOT, "%n%-6s %9s %8s   %-27s %s%n", "split", "samples", "images",
                "fingerprint", "query words min / median / mean / max, mean chars"));
        splits.forEach((name, s) -> {
            QueryStats q = s.queryWords();
            String words = q == null ? "-" : String.format(Locale.ROOT, "%d / %.1f / %.1f / %d, %.1f", q.min(),
                    q.median(), q.mean(), q.max(), q.meanChars());
            sb.append(String.format(Locale.ROOT, "%-6s %,9d %,8d   %-27s %s%n", name, s.samples(), s.images(),
                    fingerprints.getOrDefault(name, "-"), words));
        });
        splits.forEach((name, s) -> {
            if (s.samples() == 0) {
                return;
            }
            List<Map.Entry<String, Integer>> byCount = new ArrayList<>(s.classes().entrySet());
            byCount.sort(Map.Entry.<String, Integer>comparingByValue().reversed()
                    .thenComparing(Map.Entry.comparingByKey()));
            StringBuilder line = new StringBuilder();
            for (Map.Entry<String, Integer> e : byCount) {
                line.append(line.length() == 0 ? "" : ", ")
                        .append(String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue()));
            }
            sb.append(String.format(Locale.ROOT, "%n%s classes: %s%n", name, line));
        });
        if (problems.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "%nno problems found%n"));
        } else {
            sb.append(String.format(Locale.ROOT, "%n%,d problem%s:%n", problems.size(),
                    problems.size() == 1 ? "" : "s"));
            for (Problem p : problems) {
                sb.append("  ").append(p).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }
}
