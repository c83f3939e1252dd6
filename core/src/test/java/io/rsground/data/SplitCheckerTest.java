package io.rsground.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SplitCheckerTest {

    private static final Path OFFICIAL = Fixtures.shared().resolve("dior-rsvg");

    @Test
    void officialSplitsPassAgainstTheFullObjectCount() throws IOException {
        SplitChecker.SplitCheck check = SplitChecker.check(SplitChecker.files(OFFICIAL), 38_320);

        assertThat(check.problems()).isEmpty();
        assertThat(check.indices("train")).hasSize(26_991);
        assertThat(check.indices("val")).hasSize(3_829);
        assertThat(check.indices("test")).hasSize(7_500);
        BitSet seen = new BitSet();
        for (String split : check.splits()) {
            for (int i : check.indices(split)) {
                seen.set(i);
            }
        }
        assertThat(seen.cardinality()).isEqualTo(38_320);
        assertThat(seen.nextClearBit(0)).isEqualTo(38_320);
        // indices in file order: the first lines of test.txt are 0, 1, 6
        assertThat(check.indices("test")).startsWith(0, 1, 6);
        assertThat(check.indices("test")[7_499]).isEqualTo(Integer.parseInt(lastLine(OFFICIAL.resolve("test.txt"))));
    }

    @Test
    void officialSplitsFailWithACountMismatchAgainstFewerObjects() throws IOException {
        int objects = 38_000;
        SplitChecker.SplitCheck check = SplitChecker.check(SplitChecker.files(OFFICIAL), objects);

        // Independent truth: the lines of each file whose index is >= 38,000.
        Map<String, List<Integer>> expected = new java.util.LinkedHashMap<>();
        int total = 0;
        for (String split : SplitChecker.SPLIT_NAMES) {
            List<String> lines = Files.readAllLines(OFFICIAL.resolve(split + ".txt"));
            List<Integer> bad = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (Integer.parseInt(lines.get(i).strip()) >= objects) {
                    bad.add(i + 1);
                }
            }
            expected.put(split + ".txt", bad);
            total += bad.size();
        }
        assertThat(total).isEqualTo(320);

        Problem summary = check.problems().get(0);
        assertThat(summary.message()).startsWith("object count mismatch: the largest index is 38319, so the split "
                + "files expect at least 38,320 objects; the annotations hold 38,000: 320 split lines are out of "
                + "range 0..37999 (train.txt " + expected.get("train.txt").size() + ", val.txt "
                + expected.get("val.txt").size() + ", test.txt " + expected.get("test.txt").size() + ")");
        assertThat(Files.readAllLines(OFFICIAL.resolve(summary.file())).get(summary.line() - 1)).isEqualTo("38319");

        // Per file: the first DETAILED lines one by one, then one problem counting the rest.
        for (Map.Entry<String, List<Integer>> e : expected.entrySet()) {
            List<Problem> mine = check.problems().subList(1, check.problems().size()).stream()
                    .filter(p -> p.file().equals(e.getKey())).toList();
            List<Integer> bad = e.getValue();
            int detailed = Math.min(bad.size(), SplitChecker.DETAILED);
            assertThat(mine.subList(0, detailed)).extracting(Problem::line).isEqualTo(bad.subList(0, detailed));
            assertThat(mine.get(0).message()).matches("index 38\\d\\d\\d out of range 0\\.\\.37999");
            if (bad.size() > detailed) {
                assertThat(mine).hasSize(detailed + 1);
                assertThat(mine.get(detailed).message()).startsWith(
                        (bad.size() - detailed) + " more lines with indices out of range besides the 20 listed above");
                assertThat(mine.get(detailed).line()).isEqualTo(bad.get(detailed));
            } else {
                assertThat(mine).hasSize(detailed);
            }
        }
        // valid indices keep everything below the count
        int kept = 0;
        for (String split : check.splits()) {
            kept += check.indices(split).length;
        }
        assertThat(kept).isEqualTo(38_000);
    }

    @Test
    void repeatedIndicesAcrossManyLinesAreSummedUp(@TempDir Path dir) throws IOException {
        StringBuilder train = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            train.append(i).append('\n');
        }
        Files.writeString(dir.resolve("train.txt"), train);
        Files.writeString(dir.resolve("val.txt"), train); // every line repeats train
        Files.writeString(dir.resolve("test.txt"), "");
        SplitChecker.SplitCheck check = SplitChecker.check(SplitChecker.files(dir), 50);
        assertThat(check.problems()).hasSize(21);
        assertThat(check.problems().get(0)).isEqualTo(
                new Problem("val.txt", 1, 0, "index 0 repeated: already listed in train.txt at line 1"));
        assertThat(check.problems().get(20)).isEqualTo(new Problem("val.txt", 21, null,
                "30 more lines with repeated indices besides the 20 listed above (lines 21, 22, 23, 24, 25, 26, 27, "
                        + "28, 29, 30, ...)"));
        assertThat(check.indices("val")).isEmpty();
        assertThat(check.indices("train")).hasSize(50);
    }

    private static String lastLine(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        return lines.get(lines.size() - 1).strip();
    }
}
