package io.rsground.data.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.data.CheckReport;
import io.rsground.data.DatasetChecker;
import io.rsground.data.DiorRsvgDataset;
import io.rsground.data.Sample;
import io.rsground.data.synth.Referring.Superlative;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticScenesTest {

    private static final int SCENES = 40;
    private static final int SIZE = 400;
    private static final List<Scene> RENDERED = new ArrayList<>();

    @BeforeAll
    static void renderScenes() {
        for (int i = 0; i < SCENES; i++) {
            RENDERED.add(SceneGenerator.render(11, i, SIZE));
        }
    }

    @Test
    void everyExpressionSinglesOutItsObjectAsRecordAndAsText() {
        int described = 0;
        for (Scene scene : RENDERED) {
            for (SceneObject o : scene.described()) {
                described++;
                List<SceneObject> byRecord = o.referring().select(scene.objects(), scene.width(), scene.height());
                assertThat(byRecord).as("record of '%s' in scene %d", o.description(), scene.index())
                        .containsExactly(o);
                Referring parsed = ExpressionParser.parse(o.description());
                assertThat(parsed).as("text '%s'", o.description()).isEqualTo(o.referring());
                assertThat(parsed.select(scene.objects(), scene.width(), scene.height())).containsExactly(o);
            }
        }
        assertThat(described).isGreaterThan(SCENES * 3);
    }

    @Test
    void expressionsAreTrueOfTheirObjectByIndependentMeasures() {
        for (Scene scene : RENDERED) {
            for (SceneObject o : scene.described()) {
                Referring r = o.referring();
                assertThat(r.sceneClass()).isEqualTo(o.sceneClass());
                if (r.colour() != null) {
                    assertThat(r.colour()).isEqualTo(o.colour());
                }
                if (r.region() != null) { // the centre lies in the named third of each axis
                    int col = (int) (3 * o.centerX() / scene.width());
                    int row = (int) (3 * o.centerY() / scene.height());
                    assertThat(new int[] {col, row}).containsExactly(r.region().column(), r.region().row());
                }
                List<SceneObject> peers = scene.objects().stream()
                        .filter(p -> p != o && p.sceneClass() == o.sceneClass())
                        .filter(p -> r.colour() == null || p.colour() == r.colour())
                        .filter(p -> r.region() == null || GridRegion.of(p.centerX(), p.centerY(), scene.width(),
                                scene.height()) == r.region())
                        .toList();
                if (r.superlative() == Superlative.LARGEST) {
                    assertThat(peers).allMatch(p -> p.length() * 1.25 <= o.length());
                }
                if (r.superlative() == Superlative.LEFTMOST) {
                    assertThat(peers).allMatch(p -> p.centerX() > o.centerX());
                }
                if (r.anchor() == null && r.superlative() == null && r.size() == null) {
                    assertThat(peers).as("'%s' leaves no other object fitting", o.description()).isEmpty();
                }
            }
        }
    }

    @Test
    void scenesUseManyClassesAndEveryKindOfExpression() {
        Set<SceneClass> classes = EnumSet.noneOf(SceneClass.class);
        Set<String> kinds = new HashSet<>();
        int drawn = 0;
        int described = 0;
        for (Scene scene : RENDERED) {
            for (SceneObject o : scene.objects()) {
                classes.add(o.sceneClass());
                drawn++;
                assertThat(o.box().x1()).isGreaterThanOrEqualTo(0);
                assertThat(o.box().x2()).isLessThanOrEqualTo(scene.width());
                if (!o.described()) {
                    continue;
                }
                described++;
                Referring r = o.referring();
                if (r.colour() != null) {
                    kinds.add("colour");
                }
                if (r.size() != null) {
                    kinds.add("size");
                }
                if (r.region() != null) {
                    kinds.add("region");
                }
                if (r.superlative() != null) {
                    kinds.add(r.superlative().isSize() ? "size superlative" : "position superlative");
                }
                if (r.anchor() != null) {
                    kinds.add("relation");
                }
            }
        }
        assertThat(classes).hasSizeGreaterThanOrEqualTo(8);
        assertThat(kinds).containsExactlyInAnyOrder("colour", "size", "region", "size superlative",
                "position superlative", "relation");
        // some objects stay undescribed (distractors), most are described
        assertThat(described).isLessThan(drawn).isGreaterThan(drawn / 2);
    }

    @Test
    void boxesAreTheTightBoundsOfTheDrawnBody() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        for (SceneClass c : SceneClass.values()) {
            for (int k = 0; k < 4; k++) {
                double length = (c.minLength() + rng.nextDouble() * (c.maxLength() - c.minLength()));
                double angle = rng.nextDouble() * 2 * Math.PI;
                ObjectPainter.Figure f = ObjectPainter.figure(new ObjectPainter.Placement(c, NamedColour.RED, length,
                        300, 300, angle, new java.awt.geom.Point2D.Double(0.6, 0.8), 4.0, 1.0), rng);
                // paint the body alone and measure what was painted
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(600, 600,
                        java.awt.image.BufferedImage.TYPE_INT_ARGB);
                java.awt.Graphics2D g = img.createGraphics();
                g.setRenderingHint(java.awt.RenderingHints.KEY_ANTIALIASING,
                        java.awt.RenderingHints.VALUE_ANTIALIAS_ON); // as scenes are drawn
                for (ObjectPainter.Part p : f.body()) {
                    g.setPaint(java.awt.Color.BLACK);
                    g.fill(p.shape());
                }
                g.dispose();
                int[] argb = ((java.awt.image.DataBufferInt) img.getRaster().getDataBuffer()).getData();
                int minX = 600;
                int minY = 600;
                int maxX = -1;
                int maxY = -1;
                for (int y = 0; y < 600; y++) {
                    for (int x = 0; x < 600; x++) {
                        if ((argb[y * 600 + x] >>> 24) != 0) {
                            minX = Math.min(minX, x);
                            minY = Math.min(minY, y);
                            maxX = Math.max(maxX, x + 1);
                            maxY = Math.max(maxY, y + 1);
                        }
                    }
                }
                java.awt.geom.Rectangle2D b = f.bounds();
                assertThat(new double[] {minX, minY, maxX, maxY}).as("%s at %.2f rad", c, angle)
                        .containsExactly(new double[] {b.getMinX(), b.getMinY(), b.getMaxX(), b.getMaxY()},
                                org.assertj.core.data.Offset.offset(1.0));
            }
        }
    }

    @Test
    void writtenDataSetPassesTheCheckerAndIsDeterministicAcrossThreads(@TempDir Path dir) throws Exception {
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        SceneGenerator.Summary s1 = SceneGenerator.generate(one, 12, 256, 3, 1, (d, t) -> { });
        SceneGenerator.Summary s2 = SceneGenerator.generate(two, 12, 256, 3, 2, (d, t) -> { });
        assertThat(s2.objectsDescribed()).isEqualTo(s1.objectsDescribed());
        List<Path> files1 = listFiles(one);
        assertThat(files1).hasSize(12 * 2 + 3 + 2);
        assertThat(listFiles(two)).isEqualTo(files1);
        for (Path rel : files1) {
            assertThat(Files.readAllBytes(two.resolve(rel))).as(rel.toString())
                    .isEqualTo(Files.readAllBytes(one.resolve(rel)));
        }

        CheckReport report = DatasetChecker.check(one, null, false);
        assertThat(report.problems()).isEmpty();
        assertThat(report.images()).isEqualTo(12);
        assertThat(report.objects()).isEqualTo(s1.objectsDescribed());
        int inSplits = report.splits().values().stream().mapToInt(CheckReport.SplitStats::samples).sum();
        assertThat(inSplits).isEqualTo(s1.objectsDescribed());
        assertThat(report.splits().get("train").samples()).isEqualTo(s1.splitObjects().get("train"));

        DiorRsvgDataset ds = DiorRsvgDataset.open(one, null);
        Set<String> train = ds.split("train").stream().map(Sample::imageId).collect(Collectors.toSet());
        Set<String> test = ds.split("test").stream().map(Sample::imageId).collect(Collectors.toSet());
        Set<String> val = ds.split("val").stream().map(Sample::imageId).collect(Collectors.toSet());
        assertThat(train).doesNotContainAnyElementsOf(test).doesNotContainAnyElementsOf(val);
        assertThat(val).doesNotContainAnyElementsOf(test);

        // scenes.jsonl and the annotations agree: described objects in order, with their boxes and texts
        List<String> lines = Files.readAllLines(one.resolve("scenes.jsonl"));
        assertThat(lines).hasSize(12);
        ObjectMapper json = new ObjectMapper();
        for (Sample s : ds.allSamples()) {
            JsonNode scene = json.readTree(lines.get(Integer.parseInt(s.imageId()) - 1));
            JsonNode match = null;
            for (JsonNode o : scene.get("objects")) {
                if (o.get("index").isInt() && o.get("index").asInt() == s.index()) {
                    match = o;
                }
            }
            assertThat(match).as("object %d in scenes.jsonl", s.index()).isNotNull();
            assertThat(match.get("class").asText()).isEqualTo(s.className());
            assertThat(match.get("description").asText()).isEqualTo(s.query());
            assertThat(match.get("box").get(2).asDouble()).isEqualTo(s.box().x2());
        }
        // a different seed gives different images
        Path other = dir.resolve("other");
        SceneGenerator.generate(other, 1, 256, 4, 1, (d, t) -> { });
        assertThat(Files.readAllBytes(other.resolve("JPEGImages/00001.jpg")))
                .isNotEqualTo(Files.readAllBytes(one.resolve("JPEGImages/00001.jpg")));
        // and the folder is not written twice
        assertThatThrownBy(() -> SceneGenerator.generate(one, 2, 256, 3, 1, (d, t) -> { }))
                .isInstanceOf(IOException.class).hasMessageContaining("already holds files");
    }

    @Test
    void splitsByImageFollowTheSharesOfDescribedObjects() {
        List<List<SceneObject>> objects = new ArrayList<>();
        for (Scene s : RENDERED) {
            objects.add(s.objects());
        }
        int[] split = SceneGenerator.assignSplits(objects, 11);
        long[] have = new long[3];
        long total = 0;
        int largestImage = 0;
        for (int i = 0; i < split.length; i++) {
            int n = RENDERED.get(i).described().size();
            largestImage = Math.max(largestImage, n);
            total += n;
            if (n == 0) {
                assertThat(split[i]).isEqualTo(-1);
            } else {
                have[split[i]] += n;
            }
        }
        for (int s = 0; s < 3; s++) {
            assertThat((double) have[s]).isCloseTo(SceneGenerator.SPLIT_SHARES[s] * total,
                    org.assertj.core.data.Offset.offset((double) largestImage));
        }
    }

    @Test
    void crowdedImagesAreNotSentToTrainingMoreThanSparseOnes() {
        // many copies of the rendered scenes, shuffled by the split's own seed: every split should hold images of
        // the same mix of object counts as the whole
        List<List<SceneObject>> objects = new ArrayList<>();
        for (int copy = 0; copy < 300; copy++) {
            for (Scene s : RENDERED) {
                objects.add(s.objects());
            }
        }
        int[] split = SceneGenerator.assignSplits(objects, 5);
        double[] described = new double[3];
        int[] images = new int[3];
        double all = 0;
        int allImages = 0;
        for (int i = 0; i < split.length; i++) {
            long n = objects.get(i).stream().filter(SceneObject::described).count();
            if (split[i] >= 0) {
                described[split[i]] += n;
                images[split[i]]++;
                all += n;
                allImages++;
            }
        }
        double mean = all / allImages;
        for (int s = 0; s < 3; s++) {
            assertThat(described[s] / images[s]).as("described objects per image in split %d", s)
                    .isCloseTo(mean, org.assertj.core.data.Offset.offset(0.1 * mean));
        }
    }

    @Test
    void badArgumentsAreRefusedWithTheValue(@TempDir Path dir) {
        assertThatThrownBy(() -> SceneGenerator.generate(dir, 0, 800, 1, (d, t) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
        assertThatThrownBy(() -> SceneGenerator.render(1, 0, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64..4096 px, got 10");
    }

    private static List<Path> listFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }
}
