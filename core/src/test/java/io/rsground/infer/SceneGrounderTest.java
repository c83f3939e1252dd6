package io.rsground.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.rsground.box.Box;
import io.rsground.data.Sample;
import io.rsground.data.synth.SceneObjects;
import io.rsground.geo.GeoJson;
import io.rsground.geo.GeoTiffs;
import io.rsground.geo.Georeference;
import io.rsground.geo.Georeferencing;
import io.rsground.image.Images;
import io.rsground.testing.Fixtures;
import io.rsground.testing.TrainedPresenceModel;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tiled grounding: the windows' arithmetic, the merging of overlaps, and whole scenes read window by window. */
class SceneGrounderTest {

    @Test
    void windowsCoverTheSceneOverlapByAtLeastTheShareAndStayInside() {
        // 1000 px, 256 px windows, a quarter overlap: stride at most 192, so 1 + ceil(744 / 192) = 5 windows
        assertThat(SceneGrounder.starts(1000, 256, 0.25)).containsExactly(0, 186, 372, 558, 744);
        assertThat(SceneGrounder.starts(256, 256, 0.25)).containsExactly(0);
        assertThat(SceneGrounder.starts(100, 256, 0.25)).containsExactly(0);
        for (int length : new int[] {257, 449, 1000, 4097, 20000}) {
            for (double overlap : new double[] {0, 0.25, 0.5}) {
                int[] s = SceneGrounder.starts(length, 256, overlap);
                assertThat(s[0]).isZero();
                assertThat(s[s.length - 1] + 256).isEqualTo(length);
                for (int i = 1; i < s.length; i++) {
                    assertThat(256 - (s[i] - s[i - 1])).as("overlap of %d px at %s", length, overlap)
                            .isGreaterThanOrEqualTo((int) Math.floor(256 * overlap));
                }
            }
        }
        List<Rectangle> w = SceneGrounder.windows(1000, 200, 256, 0.25);
        assertThat(w).hasSize(5).allSatisfy(r -> assertThat(r.height).isEqualTo(200));
        assertThat(w.get(4)).isEqualTo(new Rectangle(744, 0, 256, 200));
    }

    @Test
    void mergingKeepsTheBestOfOverlapsAndCutOffPartsBestFirst() {
        Rectangle any = new Rectangle(0, 0, 10, 10);
        SceneGrounder.SceneBox whole = new SceneGrounder.SceneBox(Box.fromXyxy(100, 100, 200, 200), 0.9, any);
        SceneGrounder.SceneBox sameSeenAgain = new SceneGrounder.SceneBox(Box.fromXyxy(105, 100, 205, 200), 0.8, any);
        // the left part of the object, cut by a window edge: IoU 0.3 with the whole, but inside it
        SceneGrounder.SceneBox cutPart = new SceneGrounder.SceneBox(Box.fromXyxy(100, 100, 130, 200), 0.7, any);
        SceneGrounder.SceneBox elsewhere = new SceneGrounder.SceneBox(Box.fromXyxy(500, 500, 550, 550), 0.4, any);
        SceneGrounder.SceneBox weak = new SceneGrounder.SceneBox(Box.fromXyxy(800, 0, 850, 50), 0.1, any);
        List<SceneGrounder.SceneBox> all = List.of(weak, cutPart, elsewhere, sameSeenAgain, whole);
        assertThat(SceneGrounder.merge(all, SceneGrounder.Options.DEFAULT))
                .containsExactly(whole, elsewhere, weak);
        assertThat(SceneGrounder.merge(all, new SceneGrounder.Options(SceneGrounder.Tiling.ON, 0, 0.25, 5, 0.3, 0.5)))
                .containsExactly(whole, elsewhere);
        assertThat(SceneGrounder.merge(all, new SceneGrounder.Options(SceneGrounder.Tiling.ON, 0, 0.25, 1, 0, 0.5)))
                .containsExactly(whole);
        assertThatThrownBy(() -> new SceneGrounder.Options(SceneGrounder.Tiling.ON, 0, 0.95, 5, 0, 0.5))
                .hasMessageContaining("overlap must be in [0, 0.9], got 0.95");
    }

    @Test
    void modelsWithoutAPresenceHeadGroundWholeImages() throws Exception {
        try (Grounder g = new Grounder(GrounderFixtureTest.load("weights.safetensors"), 0)) {
            SceneGrounder scenes = new SceneGrounder(g);
            assertThat(scenes.windowSide(SceneGrounder.Options.DEFAULT)).isEqualTo(LoadedModel.DIOR_RSVG_SCALE);
            assertThat(scenes.tiles(5000, 5000, SceneGrounder.Options.DEFAULT)).isFalse();
            SceneGrounder.Options on = new SceneGrounder.Options(SceneGrounder.Tiling.ON, 0, 0.25, 5, 0, 0.5);
            assertThatThrownBy(() -> scenes.tiles(5000, 5000, on)).hasMessageContaining("no presence head");
            // a small image takes predict's path: the same box as Grounder.ground
            Path image = Fixtures.tiny("images/sample_1.png");
            SceneGrounder.SceneResult r = scenes.ground(image, List.of("the white stadium"),
                    SceneGrounder.Options.DEFAULT, SceneGrounder.WindowListener.NONE);
            assertThat(r.tiled()).isFalse();
            assertThat(r.answers().get(0).boxes()).singleElement().satisfies(b -> {
                assertThat(b.score()).isNull();
                assertThat(b.box()).isEqualTo(g.ground(Images.read(image), "the white stadium").box());
            });
        }
    }

    @Test
    void anObjectInALargeGeoTiffIsFoundAtItsMapCoordinates(@TempDir Path dir) throws Exception {
        TrainedPresenceModel t = TrainedPresenceModel.get();
        Map<Path, List<SceneObjects.LabeledBox>> objects = SceneObjects.knownObjects(t.data(), t.samples());
        // the scene: a 4 x 4 mosaic of 256 px scenes the model learnt (a model this small knows no others), one
        // holding the target's class, the others not; windows of 256 px without overlap fall on the mosaic's cells
        Set<Path> learnt = t.samples().stream().map(Sample::imageFile).collect(Collectors.toSet());
        // the target's class and the absent query's class occur in no other cell; the absent one in no cell at all
        Sample target = null;
        Sample absent = null;
        List<Path> terrain = List.of();
        for (Sample s : t.samples()) {
            for (Sample other : t.samples()) {
                List<Path> without = learnt.stream().filter(image -> lacks(objects, image, s.className())
                        && lacks(objects, image, other.className())).sorted().toList();
                if (target == null && without.size() >= 2 && lacks(objects, s.imageFile(), other.className())) {
                    target = s;
                    absent = other;
                    terrain = without;
                }
            }
        }
        assertThat(target).as("two classes that two learnt scenes lack").isNotNull();
        String absentQuery = absent.query();
        int side = 1024;
        Rectangle at = new Rectangle(512, 256, 256, 256);
        BufferedImage scene = new BufferedImage(side, side, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g2 = scene.createGraphics();
        for (int cell = 0; cell < 16; cell++) {
            int x = cell % 4 * 256;
            int y = cell / 4 * 256;
            Path chip = x == at.x && y == at.y ? target.imageFile() : terrain.get(cell % terrain.size());
            g2.drawImage(Images.read(chip), x, y, null);
        }
        g2.dispose();
        Path tif = dir.resolve("scene.tif");
        double originX = 500_000;
        double originY = 4_649_776;
        GeoTiffs.writeTiled(tif, scene, 256, originX, originY, 0.5, 32631);
        try (Grounder g = new Grounder(ModelLoader.load(ModelLoader.Request.of(t.checkpoint())), 0)) {
            List<Integer> seen = new ArrayList<>();
            SceneGrounder.Options options = new SceneGrounder.Options(SceneGrounder.Tiling.AUTO, 0, 0, 5, 0, 0.5);
            SceneGrounder.SceneResult r = new SceneGrounder(g).ground(tif, List.of(target.query(), absentQuery),
                    options, (done, total) -> seen.add(done * 1000 + total));
            assertThat(r.tiled()).isTrue();
            assertThat(r.windows()).hasSize(16).contains(at);
            assertThat(seen).hasSize(16).last().isEqualTo(16 * 1000 + 16);
            SceneGrounder.SceneBox best = r.answers().get(0).boxes().get(0);
            Box truth = target.box().translate(at.x, at.y);
            System.out.printf("scene: '%s' best %.3f at %s (truth %s, IoU %.3f); '%s' best %.3f%n", target.query(),
                    best.score(), best.box(), truth, best.box().iou(truth), absentQuery,
                    r.answers().get(1).boxes().get(0).score());
            assertThat(best.window()).isEqualTo(at);
            assertThat(best.box().iou(truth)).isGreaterThan(0.5);
            assertThat(r.answers().get(1).boxes().get(0).score()).isLessThan(best.score());
            Georeference geo = Georeferencing.read(tif).orElseThrow();
            JsonNode ring = GeoJson.toJson(geo, List.of(new GeoJson.Feature(target.query(), best.score(),
                    best.box().toXyxy(), 1))).get("features").get(0).get("geometry").get("coordinates").get(0);
            // the box's top-left corner, half a metre per pixel east and south of the scene's origin
            assertThat(ring.get(0).get(0).asDouble()).isCloseTo(originX + 0.5 * best.box().x1(), within(1e-6));
            assertThat(ring.get(0).get(1).asDouble()).isCloseTo(originY - 0.5 * best.box().y1(), within(1e-6));
            assertThat(ring.get(0).get(0).asDouble()).isCloseTo(originX + 0.5 * truth.x1(), within(0.5 * 8));
            assertThat(ring.get(0).get(1).asDouble()).isCloseTo(originY - 0.5 * truth.y1(), within(0.5 * 8));
        }
    }

    private static boolean lacks(Map<Path, List<SceneObjects.LabeledBox>> objects, Path image, String className) {
        return objects.getOrDefault(image, List.of()).stream().noneMatch(o -> o.className().equals(className));
    }

    @Test
    void aTwentyThousandPixelTiffIsGroundedWindowByWindow(@TempDir Path dir) throws Exception {
        Path tif = dir.resolve("huge.tif");
        int side = 20_000;
        GeoTiffs.writeHugeTiled(tif, side, side, 512, 300_000, 5_000_000, 1, 32633);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)
                ManagementFactory.getThreadMXBean();
        long[] last = {threads.getCurrentThreadAllocatedBytes()};
        long[] mostPerWindow = {0};
        TrainedPresenceModel t = TrainedPresenceModel.get();
        try (Grounder g = new Grounder(ModelLoader.load(ModelLoader.Request.of(t.checkpoint())), 0)) {
            SceneGrounder.Options options = new SceneGrounder.Options(SceneGrounder.Tiling.AUTO, 2048, 0.25, 3, 0,
                    0.5);
            SceneGrounder.SceneResult r = new SceneGrounder(g).ground(tif, List.of(t.samples().get(0).query()),
                    options, (done, total) -> {
                        long now = threads.getCurrentThreadAllocatedBytes();
                        mostPerWindow[0] = Math.max(mostPerWindow[0], now - last[0]);
                        last[0] = now;
                    });
            // 1 + ceil((20000 - 2048) / 1536) = 13 windows a side
            assertThat(r.windows()).hasSize(13 * 13);
            long covered = 0;
            for (int y = 0; y < side; y += 997) {
                for (int x = 0; x < side; x += 997) {
                    final int px = x;
                    final int py = y;
                    covered += r.windows().stream().anyMatch(w -> w.contains(px, py)) ? 1 : 0;
                }
            }
            assertThat(covered).isEqualTo(21L * 21L);
            assertThat(r.answers().get(0).boxes()).hasSizeBetween(1, 3).allSatisfy(b -> {
                assertThat(b.box().x1()).isGreaterThanOrEqualTo(0);
                assertThat(b.box().x2()).isLessThanOrEqualTo(side);
            });
            // decoding the scene whole would take 1.2 GB of RGB; a window is 12.6 MB
            System.out.printf("huge scene: %d windows, at most %.1f MB allocated per window%n", r.windows().size(),
                    mostPerWindow[0] / 1e6);
            assertThat(mostPerWindow[0]).isLessThan(200_000_000L);
        }
    }
}
