package io.rsground.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads and checks split files ({@code train.txt}, {@code val.txt}, {@code test.txt}: one global object index per
 * line) against the number of objects the annotations hold. Needs nothing but that number, so the official DIOR-RSVG
 * splits can be checked without the data set.
 *
 * <p>Finds lines that are not integers, indices outside {@code 0..objectCount-1} and indices repeated within or
 * across splits (the first occurrence, in split order, is kept). When indices exceed the object count, one summary
 * problem states the mismatch first; of each kind of problem in each file the first {@value #DETAILED} are listed
 * line by line and the rest in one further problem that gives their count and first lines.
 */
public final class SplitChecker {

    /** The split names, in the order they are read and their indices claimed. */
    public static final List<String> SPLIT_NAMES = List.of("train", "val", "test");

    /** Problems of one kind in one file listed one by one before the rest are summed up. */
    public static final int DETAILED = 20;

    /** Split files larger than this are refused (DIOR-RSVG's train.txt is 154 KB). */
    static final long MAX_SPLIT_BYTES = 256L << 20;

    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");

    private SplitChecker() {
    }

    /** The indices each split file lists and the problems found in them. */
    public static final class SplitCheck {
        private final Map<String, int[]> indices;
        private final List<Problem> problems;

        SplitCheck(Map<String, int[]> indices, List<Problem> problems) {
            this.indices = Collections.unmodifiableMap(indices);
            this.problems = List.copyOf(problems);
        }

        /**
         * @param split a split name given to the check
         * @return the valid indices of that split in file order (in range, each once over all splits); empty for a
         *     missing file
         * @throws IllegalArgumentException for a split name that was not checked
         */
        public int[] indices(String split) {
            int[] found = indices.get(split);
            if (found == null) {
                throw new IllegalArgumentException("unknown split '" + split + "'; checked: " + indices.keySet());
            }
            return found.clone();
        }

        /** @return the split names checked, in order */
        public List<String> splits() {
            return List.copyOf(indices.keySet());
        }

        /** @return every problem found, summary first */
        public List<Problem> problems() {
            return problems;
        }

        /** @return true when no problem was found */
        public boolean isClean() {
            return problems.isEmpty();
        }
    }

    /**
     * @param splitsDir a folder holding the split files
     * @return {@code train, val, test} mapped to {@code splitsDir/<name>.txt}, in that order
     */
    public static Map<String, Path> files(Path splitsDir) {
        Map<String, Path> files = new LinkedHashMap<>();
        for (String name : SPLIT_NAMES) {
            files.put(name, splitsDir.resolve(name + ".txt"));
        }
        return files;
    }

    /**
     * Checks split files against an object count, naming each file by its file name in problems.
     *
     * @param splitFiles split name to split file, in the order the splits claim indices
     * @param objectCount how many {@code <object>} elements the annotations hold
     * @return the valid indices per split and every problem
     */
    public static SplitCheck check(Map<String, Path> splitFiles, int objectCount) {
        return check(splitFiles, objectCount, p -> String.valueOf(p.getFileName()));
    }

    /**
     * Checks split files against an object count.
     *
     * @param splitFiles split name to split file, in the order the splits claim indices
     * @param objectCount how many {@code <object>} elements the annotations hold
     * @param displayName how problems name a split file
     * @return the valid indices per split and every problem
     */
    public static SplitCheck check(Map<String, Path> splitFiles, int objectCount, Function<Path, String> displayName) {
        if (objectCount < 0) {
            throw new IllegalArgumentException("object count must be >= 0, got " + objectCount);
        }
        Objects.requireNonNull(displayName, "displayName");
        Run run = new Run(objectCount);
        Map<String, int[]> indices = new LinkedHashMap<>();
        List<Problem> perFile = new ArrayList<>();
        int fileNumber = 0;
        for (Map.Entry<String, Path> e : splitFiles.entrySet()) {
            String name = displayName.apply(e.getValue());
            indices.put(e.getKey(), run.readFile(e.getValue(), name, fileNumber++, perFile));
        }
        List<Problem> problems = new ArrayList<>();
        if (run.beyondCount > 0) {
            problems.add(run.countMismatch());
        }
        problems.addAll(perFile);
        return new SplitCheck(indices, problems);
    }

    private enum Kind {
        NOT_INTEGER("lines that are not integers"),
        OUT_OF_RANGE("lines with indices out of range"),
        REPEATED("lines with repeated indices");

        final String plural;

        Kind(String plural) {
            this.plural = plural;
        }
    }

    /** State shared by the files of one check: which index was claimed where. */
    private static final class Run {
        private final int objectCount;
        private final int[] claimedByFile;
        private final int[] claimedAtLine;
        private final List<String> fileNames = new ArrayList<>();
        private final Map<String, Integer> beyondPerFile = new LinkedHashMap<>();
        private int beyondCount;
        private long largestIndex = -1;
        private String largestFile;
        private int largestLine;

        Run(int objectCount) {
            this.objectCount = objectCount;
            this.claimedByFile = new int[objectCount];
            this.claimedAtLine = new int[objectCount];
            Arrays.fill(claimedByFile, -1);
        }

        int[] readFile(Path file, String name, int fileNumber, List<Problem> out) {
            fileNames.add(name);
            String text = readText(file, name, out);
            if (text == null) {
                return new int[0];
            }
            String[] lines = text.split("\n", -1);
            int lastNonBlank = lines.length - 1;
            while (lastNonBlank >= 0 && lines[lastNonBlank].isBlank()) {
                lastNonBlank--;
            }
            FileProblems problems = new FileProblems(name, out);
            int[] kept = new int[lastNonBlank + 1];
            int keptCount = 0;
            for (int i = 0; i <= lastNonBlank; i++) {
                int line = i + 1;
                String value = lines[i].strip();
                if (!INTEGER.matcher(value).matches()) {
                    problems.add(Kind.NOT_INTEGER, line, null, value.isEmpty() ? "empty line; expected an object index"
                            : "'" + abbreviate(value) + "' is not an integer object index");
                    continue;
                }
                long index = value.length() > 18 ? Long.MAX_VALUE : Long.parseLong(value);
                if (index < 0 || index >= objectCount) {
                    if (index >= objectCount) {
                        noteBeyondCount(index, name, line);
                    }
                    problems.add(Kind.OUT_OF_RANGE, line, null,
                            "index " + abbreviate(value) + " out of range 0.." + (objectCount - 1));
                } else if (claimedByFile[(int) index] >= 0) {
                    problems.add(Kind.REPEATED, line, (int) index, repeated((int) index, fileNumber));
                } else {
                    claimedByFile[(int) index] = fileNumber;
                    claimedAtLine[(int) index] = line;
                    kept[keptCount++] = (int) index;
                }
            }
            problems.summarizeOverflow();
            return Arrays.copyOf(kept, keptCount);
        }

        /** @return the file's text without a byte-order mark, or null after recording why it cannot be used */
        private static String readText(Path file, String name, List<Problem> out) {
            String text;
            try {
                if (!Files.isRegularFile(file)) {
                    out.add(new Problem(name, null, null, "split file not found"));
                    return null;
                }
                long size = Files.size(file);
                if (size > MAX_SPLIT_BYTES) {
                    out.add(new Problem(name, null, null,
                            "split file is " + size + " bytes; refusing files over " + MAX_SPLIT_BYTES));
                    return null;
                }
                text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            } catch (IOException e) {
                out.add(new Problem(name, null, null, "cannot read split file: " + e));
                return null;
            }
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        }

        /** Counts an index beyond the object count, for the summary problem that states the mismatch. */
        private void noteBeyondCount(long index, String name, int line) {
            beyondCount++;
            beyondPerFile.merge(name, 1, Integer::sum);
            if (index > largestIndex) {
                largestIndex = index;
                largestFile = name;
                largestLine = line;
            }
        }

        /** @return the message for an index claimed before, naming where */
        private String repeated(int index, int fileNumber) {
            int firstFile = claimedByFile[index];
            int firstLine = claimedAtLine[index];
            return "index " + index + " repeated: already listed "
                    + (firstFile == fileNumber ? "" : "in " + fileNames.get(firstFile) + " ")
                    + "at line " + firstLine;
        }

        Problem countMismatch() {
            StringBuilder perFile = new StringBuilder();
            beyondPerFile.forEach((file, n) -> perFile.append(perFile.length() == 0 ? "" : ", ")
                    .append(file).append(' ').append(String.format(Locale.ROOT, "%,d", n)));
            String holds = objectCount == 0 ? "the annotations hold no objects"
                    : String.format(Locale.ROOT, "the annotations hold %,d", objectCount);
            String message = largestIndex == Long.MAX_VALUE
                    ? String.format(Locale.ROOT, "the split files name indices beyond any object count; %s: "
                            + "%s out of range 0..%d (%s)", holds, lines(beyondCount), objectCount - 1, perFile)
                    : String.format(Locale.ROOT, "object count mismatch: the largest index is %d, so the split files "
                            + "expect at least %,d objects; %s: %s out of range 0..%d (%s)",
                            largestIndex, largestIndex + 1, holds, lines(beyondCount), objectCount - 1, perFile);
            return new Problem(largestFile, largestLine, null, message);
        }
    }

    /**
     * The problems of one split file: the first {@value SplitChecker#DETAILED} of each kind line by line, the rest
     * summed up per kind by {@link #summarizeOverflow}.
     */
    private static final class FileProblems {
        private final String name;
        private final List<Problem> out;
        private final Map<Kind, Integer> detailed = new EnumMap<>(Kind.class);
        private final Map<Kind, List<Integer>> overflow = new EnumMap<>(Kind.class);

        FileProblems(String name, List<Problem> out) {
            this.name = name;
            this.out = out;
        }

        void add(Kind kind, int line, Integer objectIndex, String message) {
            int shown = detailed.getOrDefault(kind, 0);
            if (shown < DETAILED) {
                detailed.put(kind, shown + 1);
                out.add(new Problem(name, line, objectIndex, message));
            } else {
                overflow.computeIfAbsent(kind, k -> new ArrayList<>()).add(line);
            }
        }

        /** Adds one problem per kind that went over {@value SplitChecker#DETAILED}, with its count and first lines. */
        void summarizeOverflow() {
            for (Map.Entry<Kind, List<Integer>> e : overflow.entrySet()) {
                List<Integer> rest = e.getValue();
                String first = rest.subList(0, Math.min(10, rest.size())).toString();
                out.add(new Problem(name, rest.get(0), null, String.format(Locale.ROOT,
                        "%,d more %s besides the %d listed above (lines %s%s)", rest.size(), e.getKey().plural,
                        DETAILED, first.substring(1, first.length() - 1), rest.size() > 10 ? ", ..." : "")));
            }
        }
    }

    private static String lines(int n) {
        return n == 1 ? "1 split line is" : String.format(Locale.ROOT, "%,d split lines are", n);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
