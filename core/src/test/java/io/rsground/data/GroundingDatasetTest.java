package io.rsground.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.rsground.box.Box;
import io.rsground.data.synth.SceneGenerator;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layouts {@link GroundingDataset#scan} recognises, each read against boxes computed by hand. */
class GroundingDatasetTest {
    private static void image(Path file, int width, int height) throws Exception {
        Files.createDirectories(file.getParent());
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR), "png", file.toFile());
    }

    @Test
    void rsvgHrCsvLinesBecomeSamplesAndBadLinesProblemsNamingFileAndLine(@TempDir Path root) throws Exception {
        image(root.resolve("images/a.png"), 200, 100);
        image(root.resolve("images/b.png"), 50, 60);
        Files.writeString(root.resolve("train.csv"), String.join("\n",
                "file,x1,y1,x2,y2,expression",
                "a.png,10,20,110.5,80,The ship next to the pier, on the left",
                "b.png,0,0,50.4,60,\"a \"\"small\"\" car\"",
                "a.png,10,20,300,80,too wide",
                "gone.png,1,1,5,5,a missing image",
                "a.png,10,20,5,80,corners swapped",
                "a.png,10,20,30",
                "") + "\n");
        Files.writeString(root.resolve("test.csv"), "b.png,5,6,25,30,the tank\n");
        GroundingDataset data = GroundingDataset.scan(root, null);
        assertThat(data).isInstanceOf(CsvGroundingDataset.class);
        assertThat(data.format()).isEqualTo("rsvg-hr");
        List<Sample> train = data.split("train");
        assertThat(train).hasSize(2);
        assertThat(train.get(0).box()).isEqualTo(new Box(10, 20, 110.5, 80));
        assertThat(train.get(0).query()).isEqualTo("the ship next to the pier, on the left");
        assertThat(train.get(0).imageWidth()).isEqualTo(200);
        assertThat(train.get(1).query()).isEqualTo("a \"small\" car");
        assertThat(train.get(1).box()).isEqualTo(new Box(0, 0, 50, 60)); // 0.4 px over the edge: clamped
        assertThat(data.split("val")).isEmpty();
        // every data line has an index, read or not: six in train.csv, then test.csv's line
        assertThat(data.split("test")).singleElement().satisfies(s -> assertThat(s.index()).isEqualTo(6));
        assertThat(data.objectCount()).isEqualTo(7);
        List<String> problems = data.problems().stream().map(Problem::toString).toList();
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("train.csv").contains(":4").contains("outside"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("images/gone.png").contains("not found"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains(":6").contains("x1 < x2"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains(":7").contains("file,x1,y1,x2,y2,expression"));
        assertThat(problems).hasSize(4);
        assertThatThrownBy(() -> GroundingDataset.open(root, null)).isInstanceOf(DatasetException.class);
        CheckReport report = DatasetChecker.check(root, null, false);
        assertThat(report.format()).isEqualTo("rsvg-hr");
        assertThat(report.problems()).hasSize(4);
        assertThat(report.splits().get("train").samples()).isEqualTo(2);
        assertThat(report.fingerprints().get("train")).isEqualTo(SplitFingerprint.of(train));
    }

    private static void vrsJson(Path file, String image, String objects) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"image\": \"" + image + "\", \"caption\": \"a scene\", \"objects\": [" + objects
                + "]}");
    }

    @Test
    void vrsBenchCoordinateTooLargeForADoubleIsOneListedProblem(@TempDir Path root) throws Exception {
        image(root.resolve("Images_train/t.png"), 100, 50);
        vrsJson(root.resolve("Annotations_train/t.json"), "t.png",
                "{\"obj_cls\": \"ship\", \"referring_sentence\": \"the ship\", \"obj_coord\": [0.25, 0.5, "
                        + "9".repeat(400) + ", 1.0]},"
                        + "{\"obj_cls\": \"ship\", \"referring_sentence\": \"the boat\", \"obj_coord\": [0.1, 0.1, 0.5, 0.5]}");
        CheckReport report = DatasetChecker.check(root, null, false);
        // the val folder is absent, a problem of its own
        assertThat(report.problems()).filteredOn(p -> p.file().contains("t.json")).extracting(Problem::message)
                .containsExactly("objects[0]: a coordinate is too large for a number");
    }

    @Test
    void vrsBenchObjectsGiveTheHullOfTheirCornersAndTheSplitsAsDocumented(@TempDir Path root) throws Exception {
        for (int i = 0; i < VrsBenchDataset.VAL_EVERY; i++) {
            String name = String.format("%05d", i);
            image(root.resolve("Images_train/" + name + ".png"), 100, 50);
            vrsJson(root.resolve("Annotations_train/" + name + ".json"), name + ".png",
                    "{\"obj_id\": 0, \"obj_cls\": \"ship\", \"is_unique\": true, \"referring_sentence\": \"The Ship "
                            + i + "\", \"obj_corner\": [0.2, 0.1, 0.6, 0.2, 0.5, 0.9, 0.1, 0.8]},"
                            + "{\"obj_id\": 1, \"obj_cls\": \"tank\", \"referring_sentence\": \"\"}");
        }
        image(root.resolve("Images_val/v.png"), 40, 80);
        vrsJson(root.resolve("Annotations_val/v.json"), "v.png",
                "{\"obj_cls\": \"vehicle\", \"referring_sentence\": \"the car\", \"obj_coord\": [0.25, 0.5, 0.5, 1.0]},"
                        + "{\"obj_cls\": \"vehicle\", \"referring_sentence\": \"no box\"}");
        Files.writeString(root.resolve("Annotations_val/broken.json"), "{\"image\": ");
        GroundingDataset data = GroundingDataset.scan(root, null);
        assertThat(data.format()).isEqualTo("vrsbench");
        assertThat(data.split("train")).hasSize(VrsBenchDataset.VAL_EVERY - 1);
        assertThat(data.split("val")).singleElement().satisfies(s -> assertThat(s.query()).isEqualTo("the ship 19"));
        Sample first = data.split("train").get(0);
        // corners x in {0.2, 0.6, 0.5, 0.1} x 100 px, y in {0.1, 0.2, 0.9, 0.8} x 50 px
        assertThat(first.box().x1()).isCloseTo(10, within(1e-9));
        assertThat(first.box().y1()).isCloseTo(5, within(1e-9));
        assertThat(first.box().x2()).isCloseTo(60, within(1e-9));
        assertThat(first.box().y2()).isCloseTo(45, within(1e-9));
        assertThat(first.className()).isEqualTo("ship");
        Sample test = data.split("test").get(0);
        assertThat(test.box()).isEqualTo(new Box(10, 40, 20, 80));
        assertThat(test.imageFile()).isEqualTo(root.resolve("Images_val/v.png").toAbsolutePath().normalize());
        assertThat(data.problems()).hasSize(2);
        assertThat(data.problems().get(0).toString()).contains("Annotations_val/broken.json").contains("JSON");
        assertThat(data.problems().get(1).toString()).contains("objects[1]").contains("obj_corner");
    }

    @Test
    void vrsBenchEvaluationFileIsTheTestSplitOnItsHundredGrid(@TempDir Path root) throws Exception {
        image(root.resolve("Images_train/t.png"), 100, 50);
        vrsJson(root.resolve("Annotations_train/t.json"), "t.png",
                "{\"obj_cls\": \"ship\", \"referring_sentence\": \"the ship\", \"obj_coord\": [0.1, 0.1, 0.5, 0.5]}");
        image(root.resolve("Images_val/v.png"), 200, 100);
        Files.writeString(root.resolve(VrsBenchDataset.EVAL_FILE), """
                [{"image_id": "v.png", "question": "[refer] give me the location of <p>The Red car</p>",
                  "ground_truth": "{<10><20><30><60>}", "obj_cls": "vehicle", "question_id": 7},
                 {"image_id": "v.png", "question": "[refer] the ship", "ground_truth": "{ <5> <5> <50> <50> }"},
                 {"image_id": "v.png", "question": "the tank", "ground_truth": "{<92><0><96><0>}"},
                 {"image_id": "v.png", "question": "the bridge", "ground_truth": "[1, 2, 3, 4]"}]
                """);
        GroundingDataset data = GroundingDataset.scan(root, null);
        assertThat(data.split("train")).hasSize(1);
        List<Sample> test = data.split("test");
        assertThat(test).extracting(Sample::query).containsExactly("the red car", "the ship");
        // 0-100 grid of a 200 x 100 image: x in units of 2 px, y in units of 1 px
        assertThat(test.get(0).box()).isEqualTo(new Box(20, 20, 60, 60));
        assertThat(test.get(0).className()).isEqualTo("vehicle");
        assertThat(test.get(1).box()).isEqualTo(new Box(10, 5, 100, 50));
        assertThat(test.get(1).imageFile()).isEqualTo(root.resolve("Images_val/v.png").toAbsolutePath().normalize());
        assertThat(data.problems()).extracting(Problem::toString).satisfiesExactlyInAnyOrder(
                p -> assertThat(p).contains(VrsBenchDataset.EVAL_FILE).contains("record 2: the box has no area"),
                p -> assertThat(p).contains("record 3").contains("0-100 grid"));
    }

    @Test
    void optRsvgIsDiorRsvgsLayoutWithOtherFolderNamesAndTheSameSamples(@TempDir Path dir) throws Exception {
        Path dior = dir.resolve("dior");
        SceneGenerator.generate(dior, 4, 96, 5, 1, ProgressListener.NONE);
        Path opt = dir.resolve("opt");
        copy(dior, opt);
        Files.move(opt.resolve("JPEGImages"), opt.resolve("Image"));
        Files.move(opt.resolve("splits"), opt.resolve("split"));
        GroundingDataset a = GroundingDataset.open(dior, null);
        GroundingDataset b = GroundingDataset.open(opt, null);
        assertThat(a.format()).isEqualTo("dior-rsvg");
        assertThat(b.format()).isEqualTo("opt-rsvg");
        for (String split : SplitChecker.SPLIT_NAMES) {
            assertThat(b.split(split)).extracting(Sample::box, Sample::query)
                    .isEqualTo(a.split(split).stream().map(s -> org.assertj.core.groups.Tuple.tuple(s.box(),
                            s.query())).toList());
            assertThat(b.fingerprint(split)).isEqualTo(a.fingerprint(split));
        }
        assertThat(a.fingerprint("train")).isNotEqualTo(a.fingerprint("test"));
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void theFingerprintHashesNameBoxAndQueryInOrder() {
        Sample one = new Sample(0, "a", Path.of("/data/x/a.png"), 100, 100, "vehicle", new Box(1, 2, 30.5, 40.25),
                "the red car", Path.of("a.xml"), 3);
        Sample two = new Sample(1, "b", Path.of("/elsewhere/b.png"), 100, 100, "ship", new Box(0, 0, 9, 9), "a ship",
                Path.of("b.xml"), 3);
        // sha256("a.png\t1.00,2.00,30.50,40.25\tthe red car\n"), its first 16 hex digits (Python's hashlib)
        assertThat(SplitFingerprint.of(List.of(one))).isEqualTo("sha256:1b656561a9a05cc0");
        Sample moved = new Sample(0, "a", Path.of("/other/machine/a.png"), 100, 100, "other class",
                new Box(1.001, 2, 30.5, 40.25), "the red car", Path.of("z.xml"), 9);
        assertThat(SplitFingerprint.of(List.of(moved))).isEqualTo(SplitFingerprint.of(List.of(one)));
        assertThat(SplitFingerprint.of(List.of(one, two))).isNotEqualTo(SplitFingerprint.of(List.of(two, one)));
        List<Sample> none = new ArrayList<>();
        assertThat(SplitFingerprint.of(none)).isEqualTo("sha256:e3b0c44298fc1c14"); // the empty input's SHA-256
    }

    @Test
    void aFolderOfNoKnownLayoutIsAProblemNamingTheLayoutsItCouldBe(@TempDir Path root) throws Exception {
        assertThat(GroundingDataset.scan(root, null).problems().get(0).message()).contains("Annotations/")
                .contains("VRSBench").contains("train.csv");
    }
}
