package io.rsground.data.pseudo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.box.Box;
import io.rsground.data.CheckReport;
import io.rsground.data.DatasetChecker;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.ProgressListener;
import io.rsground.data.Sample;
import io.rsground.data.pseudo.ExpressionReading.Parts;
import io.rsground.data.pseudo.ExpressionReading.Truth;
import io.rsground.data.pseudo.PseudoExpression.Source;
import io.rsground.data.pseudo.PseudoExpression.Wording;
import io.rsground.data.synth.SceneClass;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.data.synth.SceneObjects;
import io.rsground.data.synth.SceneObjects.LabeledBox;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pseudo-labels of a synthetic data set read as VOC detection data (its descriptions ignored), checked against what
 * the generator knows of every object and against the test's own reading of the expressions.
 */
class PseudoLabelsTest {

    private static final int IMAGES = 24;
    private static final int SIZE = 512;
    private static final Set<String> CLASSES = Arrays.stream(SceneClass.values()).map(SceneClass::diorName)
            .collect(Collectors.toSet());

    @TempDir
    static Path dir;
    static Path data;
    static Path out;
    static PseudoWriter.Summary summary;
    static List<JsonNode> lines;
    /** per image file name, its annotated objects with the generator's colours */
    static Map<String, List<Truth>> truth;

    @BeforeAll
    static void labelSyntheticScenes() throws IOException {
        data = dir.resolve("synth");
        SceneGenerator.generate(data, IMAGES, SIZE, 7, 1, ProgressListener.NONE);
        out = dir.resolve("pseudo");
        summary = PseudoLabeler.run(options(out, 3, 0, false), ProgressListener.NONE);
        lines = readLines(out.resolve("pseudo.jsonl"));
        truth = truth(data);
    }

    static PseudoLabeler.Options options(Path target, long seed, int perImage, boolean overwrite) {
        return new PseudoLabeler.Options(data, DetectionFormat.VOC, target, EnumSet.allOf(Source.class), perImage,
                seed, overwrite);
    }

    static List<JsonNode> readLines(Path jsonl) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(jsonl)) {
            out.add(json.readTree(l));
        }
        return out;
    }

    /** The annotated objects of each image, matched to the generator's objects by class and box for the colour. */
    static Map<String, List<Truth>> truth(Path root) throws IOException {
        DiorRsvgDataset ds = DiorRsvgDataset.scan(root, null);
        Map<Path, List<LabeledBox>> known = SceneObjects.knownObjects(root, ds.allSamples());
        Map<String, List<Truth>> byImage = new HashMap<>();
        for (Sample s : ds.allSamples()) {
            String colour = known.get(s.imageFile()).stream()
                    .filter(k -> k.className().equals(s.className()) && k.box().equals(s.box()))
                    .map(LabeledBox::attribute).findFirst().orElseThrow();
            byImage.computeIfAbsent(s.imageFile().getFileName().toString(), k -> new ArrayList<>())
                    .add(new Truth(s.className(), s.box(), colour));
        }
        return byImage;
    }

    static Box box(JsonNode line) {
        JsonNode b = line.get("box_xyxy");
        return new Box(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble());
    }

    static Truth objectOf(JsonNode line) {
        String image = Path.of(line.get("image").asText()).getFileName().toString();
        return truth.get(image).stream().filter(t -> t.box().equals(box(line))).findFirst()
                .orElseThrow(() -> new AssertionError("no annotated object at " + line));
    }

    @Test
    void bothSourcesWriteExpressionsAndTheCountsAddUp() {
        assertThat(summary.problems()).isEmpty();
        int objects = truth.values().stream().mapToInt(List::size).sum();
        assertThat(summary.tally().objects()).isEqualTo(objects);
        System.out.printf("pseudo on %d synthetic images of %d px: %d objects, written %s, skipped %s, "
                + "objects without any %d%n", IMAGES, SIZE, objects, summary.tally().written(),
                summary.tally().skipped(), summary.tally().objectsWithout());
        for (Source s : Source.values()) {
            int written = summary.tally().written().getOrDefault(s, 0);
            int skipped = summary.tally().skipped().getOrDefault(s, Map.of()).values().stream()
                    .mapToInt(Integer::intValue).sum();
            assertThat(written + skipped).as("source %s", s).isEqualTo(objects);
            assertThat(written).as("source %s", s).isGreaterThan(objects / 5);
        }
        assertThat(lines).hasSize(summary.expressions());
    }

    @Test
    void everyExpressionNamesItsObjectsClass() {
        for (JsonNode l : lines) {
            Truth o = objectOf(l);
            assertThat(l.get("class").asText()).isEqualTo(o.className());
            Parts p = ExpressionReading.parse(l.get("expression").asText(), CLASSES);
            assertThat(p.className()).as(l.toString()).isEqualTo(o.className());
        }
    }

    @Test
    void colourWordsAreTheColoursTheGeneratorPainted() {
        int coloured = 0;
        for (JsonNode l : lines) {
            Truth o = objectOf(l);
            List<Truth> image = truth.get(Path.of(l.get("image").asText()).getFileName().toString());
            Parts p = ExpressionReading.parse(l.get("expression").asText(), CLASSES);
            if (p.colour() != null) {
                coloured++;
                assertThat(p.colour()).as(l.toString()).isEqualTo(o.colour());
            }
            if (p.anchor() != null && p.anchor().colour() != null) {
                coloured++;
                assertThat(image).as("an object of '%s'", l).anyMatch(t -> t.className().equals(p.anchor()
                        .className()) && p.anchor().colour().equals(t.colour()));
            }
        }
        assertThat(coloured).isGreaterThan(lines.size() / 10);
    }

    @Test
    void positionWordsAgreeWithTheBox() {
        int positioned = 0;
        for (JsonNode l : lines) {
            Box b = box(l);
            Parts p = ExpressionReading.parse(l.get("expression").asText(), CLASSES);
            if (p.column() >= 0) {
                positioned++;
                assertThat((int) (3 * b.cx() / SIZE)).as(l.toString()).isEqualTo(p.column());
                assertThat((int) (3 * b.cy() / SIZE)).as(l.toString()).isEqualTo(p.row());
            }
        }
        assertThat(positioned).isGreaterThan(0);
    }

    @Test
    void everyExpressionSinglesOutExactlyItsObjectByTheRules() {
        Map<String, Integer> relations = new HashMap<>();
        for (JsonNode l : lines) {
            Truth o = objectOf(l);
            List<Truth> image = truth.get(Path.of(l.get("image").asText()).getFileName().toString());
            Parts p = ExpressionReading.parse(l.get("expression").asText(), CLASSES);
            assertThat(ExpressionReading.fitting(p, image, SIZE, SIZE)).as(l.toString()).containsExactly(o);
            assertThat(l.get("source").asText()).isEqualTo(p.anchor() != null ? "relation" : "template");
            if (p.relation() != null) {
                relations.merge(p.relation(), 1, Integer::sum);
            }
        }
        assertThat(relations).hasSizeGreaterThan(2);
    }

    @Test
    void theOutputReadsBackThroughTheDatasetReaderAndDataCheck() throws IOException {
        CheckReport report = DatasetChecker.check(out, null, false);
        assertThat(report.problems()).isEmpty();
        assertThat(report.exitCode()).isZero();
        DiorRsvgDataset ds = DiorRsvgDataset.scan(out, null);
        List<Sample> all = new ArrayList<>();
        for (String split : List.of("train", "val", "test")) {
            List<Sample> samples = ds.split(split);
            assertThat(samples).as(split).isNotEmpty();
            all.addAll(samples);
            assertThat(samples).allMatch(s -> split.equals(lines.get(s.index()).get("split").asText()));
        }
        assertThat(all).hasSize(lines.size());
        for (Sample s : all) {
            JsonNode l = lines.get(s.index());
            assertThat(s.query()).isEqualTo(l.get("expression").asText());
            assertThat(s.box()).isEqualTo(box(l));
            assertThat(s.imageFile().getFileName().toString())
                    .isEqualTo(Path.of(l.get("image").asText()).getFileName().toString());
        }
        String xml = Files.readString(out.resolve("Annotations/00001.xml"));
        assertThat(xml).contains("<source>template</source>");
        // the image is the detection data's file itself (a hard link: one file system), not a copy
        assertThat(summary.linked()).isEqualTo(summary.imagesWritten());
        assertThat(summary.copied()).isZero();
        assertThat(Files.isSameFile(out.resolve("JPEGImages/00001.jpg"), data.resolve("JPEGImages/00001.jpg")))
                .isTrue();
    }

    @Test
    void theSameSeedWritesTheSameFilesAndAnotherSeedOtherSplits() throws IOException {
        Path again = dir.resolve("again");
        PseudoLabeler.run(options(again, 3, 0, false), ProgressListener.NONE);
        for (String f : List.of("pseudo.jsonl", "splits/train.txt", "splits/test.txt", "Annotations/00002.xml")) {
            assertThat(Files.readString(again.resolve(f))).as(f).isEqualTo(Files.readString(out.resolve(f)));
        }
        Path other = dir.resolve("other");
        PseudoLabeler.run(options(other, 4, 0, false), ProgressListener.NONE);
        assertThat(Files.readString(other.resolve("splits/test.txt")))
                .isNotEqualTo(Files.readString(out.resolve("splits/test.txt")));
    }

    @Test
    void perImageLimitKeepsThatManyAndCountsTheRest() throws IOException {
        Path limited = dir.resolve("limited");
        PseudoWriter.Summary s = PseudoLabeler.run(options(limited, 3, 1, false), ProgressListener.NONE);
        List<JsonNode> l = readLines(limited.resolve("pseudo.jsonl"));
        Map<String, Long> perImage = l.stream().collect(Collectors.groupingBy(n -> n.get("image").asText(),
                Collectors.counting()));
        assertThat(perImage.values()).allMatch(c -> c == 1);
        int dropped = s.tally().skipped().values().stream()
                .mapToInt(m -> m.getOrDefault(SkipReason.PER_IMAGE_LIMIT, 0)).sum();
        assertThat(dropped).isEqualTo(lines.size() - l.size()).isPositive();
    }

    @Test
    void anExistingOutputIsReplacedOnlyWithOverwrite() throws IOException {
        Path target = dir.resolve("twice");
        PseudoLabeler.run(options(target, 3, 2, false), ProgressListener.NONE);
        assertThatThrownBy(() -> PseudoLabeler.run(options(target, 3, 0, false), ProgressListener.NONE))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining("--overwrite");
        PseudoLabeler.run(options(target, 3, 0, true), ProgressListener.NONE);
        assertThat(Files.readString(target.resolve("pseudo.jsonl")))
                .isEqualTo(Files.readString(out.resolve("pseudo.jsonl")));
        try (Stream<Path> s = Files.list(target.resolve("Annotations"))) {
            assertThat(s.count()).isEqualTo(summary.imagesWritten());
        }
        assertThatThrownBy(() -> PseudoLabeler.run(new PseudoLabeler.Options(data, DetectionFormat.VOC, data,
                EnumSet.allOf(Source.class), 0, 3, true), ProgressListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("would overwrite");
    }

    /** Words only the varied wording writes (the plain grammar: docs/pseudo.md). */
    private static final Set<String> VARIED_ONLY = Set.of("a", "an", "located", "biggest", "large", "small",
            "leftmost", "rightmost", "uppermost", "lowest", "far", "farthest", "nearest", "closest", "edge", "corner",
            "part", "side", "center", "beside", "near", "close", "others", "image");

    @Test
    void theDefaultVariedWordingUsesTheOtherWordsAndThePositionSuperlatives() throws IOException {
        Map<String, Integer> variedWords = new HashMap<>();
        int positions = 0;
        for (JsonNode l : lines) {
            for (String w : l.get("expression").asText().split(" ")) {
                if (VARIED_ONLY.contains(w)) {
                    variedWords.merge(w, 1, Integer::sum);
                }
            }
            String e = ExpressionReading.parse(l.get("expression").asText(), CLASSES).extreme();
            positions += e != null && !e.equals("largest") && !e.equals("smallest") ? 1 : 0;
        }
        assertThat(variedWords).containsKeys("located", "others", "corner");
        assertThat(variedWords.keySet()).as("another word for next to").containsAnyOf("beside", "near", "close");
        assertThat(positions).isPositive();
        assertThat(new ObjectMapper().readTree(out.resolve("pseudo.json").toFile()).get("wording").asText())
                .isEqualTo("varied");
    }

    @Test
    void thePlainWordingWritesOnlyThePlainGrammarAndStillSinglesOutEachObject() throws IOException {
        Path plain = dir.resolve("plain");
        PseudoLabeler.run(new PseudoLabeler.Options(data, DetectionFormat.VOC, plain, EnumSet.allOf(Source.class), 0,
                3, false, Set.of(), 0, Wording.PLAIN), ProgressListener.NONE);
        List<JsonNode> plainLines = readLines(plain.resolve("pseudo.jsonl"));
        assertThat(plainLines).hasSizeGreaterThan(lines.size() / 2);
        for (JsonNode l : plainLines) {
            String text = l.get("expression").asText();
            assertThat(text.split(" ")).as(text).doesNotContainAnyElementsOf(VARIED_ONLY);
            Parts p = ExpressionReading.parse(text, CLASSES);
            assertThat(p.extreme()).as(text).isIn(null, "largest", "smallest");
            List<Truth> image = truth.get(Path.of(l.get("image").asText()).getFileName().toString());
            assertThat(ExpressionReading.fitting(p, image, SIZE, SIZE)).as(text).containsExactly(objectOf(l));
        }
    }
}
