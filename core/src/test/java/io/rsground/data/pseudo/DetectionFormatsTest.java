package io.rsground.data.pseudo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.box.Box;
import io.rsground.data.Problem;
import io.rsground.data.synth.NamedColour;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Small hand-written label files of each format, with the boxes worked out by hand. */
class DetectionFormatsTest {

    @TempDir
    Path dir;

    private void png(Path file, int w, int h) throws IOException {
        Files.createDirectories(file.getParent());
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
    }

    @Test
    void dotaQuadrilateralsBecomeTheBoxesAroundTheirCorners() throws IOException {
        png(dir.resolve("images/P0001.png"), 100, 100);
        png(dir.resolve("images/P0002.png"), 100, 100);
        Files.createDirectories(dir.resolve("labelTxt"));
        Files.writeString(dir.resolve("labelTxt/P0001.txt"), "imagesource:GoogleEarth\ngsd:0.146\n"
                + "10 20 40 22 38 50 8 48 large-vehicle 0\n"
                + "60.5 60 70 65 65 75 55.5 70 storage-tank 1\n");
        Files.writeString(dir.resolve("labelTxt/P0002.txt"), "10 20 40 22 38 50 8 48 ship 0\n"
                + "10 20 forty 22 38 50 8 48 ship 0\n");
        DetectionSet set = DetectionFormat.DOTA.read(dir);
        assertThat(set.images()).hasSize(1);
        DetectionImage p1 = set.images().get(0);
        assertThat(p1.id()).isEqualTo("P0001");
        assertThat(p1.objects()).extracting(Detection::className).containsExactly("large-vehicle", "storage-tank");
        // x: min(10, 40, 38, 8) .. max = 8..40; y: 20..50
        assertThat(p1.objects().get(0).box()).isEqualTo(new Box(8, 20, 40, 50));
        assertThat(p1.objects().get(1).box()).isEqualTo(new Box(55.5, 60, 70, 75));
        assertThat(p1.objects().get(1).line()).isEqualTo(4);
        assertThat(set.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("labelTxt/P0002.txt");
            assertThat(p.line()).isEqualTo(2);
            assertThat(p.message()).contains("'forty'").contains("x2");
        });
    }

    @Test
    void cocoBoxesAreCornersFromTopLeftWidthAndHeight() throws IOException {
        png(dir.resolve("images/a.png"), 200, 100);
        png(dir.resolve("images/b.png"), 200, 100);
        Files.writeString(dir.resolve("annotations.json"), """
                {"images": [
                  {"id": 1, "file_name": "a.png", "width": 200, "height": 100},
                  {"id": 2, "file_name": "b.png", "width": 200, "height": 100}
                 ],
                 "annotations": [
                  {"id": 10, "image_id": 1, "category_id": 3, "bbox": [10, 20, 30, 40]},
                  {"id": 11, "image_id": 1, "category_id": 4, "bbox": [100.5, 0, 20.25, 10]},
                  {"id": 12, "image_id": 2, "category_id": 3,
                   "bbox": [1, 2, 0, 4]}
                 ],
                 "categories": [{"id": 3, "name": "airplane"}, {"id": 4, "name": "storagetank"}]}
                """);
        DetectionSet set = DetectionFormat.COCO.read(dir);
        assertThat(set.images()).singleElement().satisfies(i -> {
            assertThat(i.id()).isEqualTo("a");
            assertThat(i.objects()).extracting(Detection::className).containsExactly("airplane", "storagetank");
            assertThat(i.objects().get(0).box()).isEqualTo(new Box(10, 20, 40, 60));
            assertThat(i.objects().get(1).box()).isEqualTo(new Box(100.5, 0, 120.75, 10));
            assertThat(i.objects().get(0).line()).isEqualTo(6); // the line its element starts on
        });
        assertThat(set.problems()).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo("annotations.json");
            assertThat(p.line()).isEqualTo(8);
            assertThat(p.message()).contains("'bbox'").contains("no area");
        });
    }

    @Test
    void cocoScoresOfADetectorAreKeptAndOneOutsideZeroToOneSkipsItsImage() throws IOException {
        png(dir.resolve("images/a.png"), 200, 100);
        png(dir.resolve("images/b.png"), 200, 100);
        Files.writeString(dir.resolve("annotations.json"), """
                {"images": [{"id": 1, "file_name": "a.png"}, {"id": 2, "file_name": "b.png"}],
                 "annotations": [
                  {"image_id": 1, "category_id": 3, "bbox": [10, 20, 30, 40], "score": 0.42},
                  {"image_id": 1, "category_id": 3, "bbox": [50, 20, 30, 40]},
                  {"image_id": 2, "category_id": 3, "bbox": [10, 20, 30, 40], "score": 7.5}
                 ],
                 "categories": [{"id": 3, "name": "ship"}]}
                """);
        DetectionSet set = DetectionFormat.COCO.read(dir);
        assertThat(set.images()).singleElement().satisfies(i -> assertThat(i.objects())
                .extracting(Detection::score).containsExactly(0.42, 1.0));
        assertThat(set.problems()).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(5);
            assertThat(p.message()).contains("'score' is 7.5").contains("[0, 1]");
        });
    }

    @Test
    void vocFilesWithoutDescriptionsAreDetectionsAndABadFileIsSkippedWithItsLine() throws IOException {
        png(dir.resolve("JPEGImages/a.jpg"), 64, 64);
        png(dir.resolve("JPEGImages/b.jpg"), 64, 64);
        Files.createDirectories(dir.resolve("Annotations"));
        Files.writeString(dir.resolve("Annotations/a.xml"), """
                <annotation>
                  <filename>a.jpg</filename>
                  <object><name>Expressway-Service-area</name>
                    <bndbox><xmin>1</xmin><ymin>2</ymin><xmax>30</xmax><ymax>40</ymax></bndbox></object>
                </annotation>
                """);
        Files.writeString(dir.resolve("Annotations/b.xml"), """
                <annotation>
                  <filename>b.jpg</filename>
                  <object><name>ship</name>
                    <bndbox><xmin>1</xmin><ymin>2</ymin><xmax>x</xmax><ymax>40</ymax></bndbox></object>
                </annotation>
                """);
        DetectionSet set = DetectionFormat.VOC.read(dir);
        assertThat(set.images()).singleElement().satisfies(i -> {
            assertThat(i.objects()).singleElement().isEqualTo(new Detection("Expressway-Service-area",
                    new Box(1, 2, 30, 40), 3));
        });
        Problem p = set.problems().get(0);
        assertThat(p.file()).isEqualTo("Annotations/b.xml");
        assertThat(p.line()).isEqualTo(4);
        assertThat(p.message()).contains("<xmax>").contains("not a number");
    }

    @Test
    void missingLabelFoldersAreErrorsThatSayWhatIsExpected() {
        assertThatThrownBy(() -> DetectionFormat.DOTA.read(dir)).hasMessageContaining("labelTxt");
        assertThatThrownBy(() -> DetectionFormat.VOC.read(dir)).hasMessageContaining("Annotations");
        assertThatThrownBy(() -> DetectionFormat.COCO.read(dir)).hasMessageContaining("annotations.json");
        assertThatThrownBy(() -> DetectionFormat.of("yolo")).hasMessageContaining("voc, dota or coco");
    }

    @Test
    void classLabelsBecomeWords() {
        assertThat(ClassWords.of("storagetank")).isEqualTo("storage tank");
        assertThat(ClassWords.of("Expressway-Service-area")).isEqualTo("expressway service area");
        assertThat(ClassWords.of("Expressway-toll-station")).isEqualTo("expressway toll station");
        assertThat(ClassWords.of("groundtrackfield")).isEqualTo("ground track field");
        assertThat(ClassWords.of("large-vehicle")).isEqualTo("large vehicle");
        assertThat(ClassWords.of("storage tank")).isEqualTo("storage tank");
        assertThat(ClassWords.of("trafficLight")).isEqualTo("traffic light");
    }

    @Test
    void theColourMeterNamesThePaintColoursAndRefusesAMixedCentre() {
        for (NamedColour c : NamedColour.values()) {
            Color rgb = c.rgb();
            assertThat(ColourMeter.classify(rgb.getRed(), rgb.getGreen(), rgb.getBlue())).as(c.word()).isEqualTo(c);
        }
        BufferedImage img = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(90, 20, 16)); // a dark red
        g.fillRect(0, 0, 20, 20);
        g.setColor(Color.BLUE);
        g.fillRect(20, 0, 20, 20);
        g.dispose();
        ColourMeter.Measured red = ColourMeter.measure(img, new Box(0, 0, 20, 20));
        assertThat(red.colour()).isEqualTo(NamedColour.RED);
        assertThat(red.word()).isEqualTo("dark red");
        assertThat(red.share()).isEqualTo(1.0);
        // half red, half blue in the centre: no colour dominates
        assertThat(ColourMeter.measure(img, new Box(10, 0, 30, 20))).isNull();
        assertThat(ColourMeter.confusable(NamedColour.RED, NamedColour.ORANGE)).isTrue();
        assertThat(ColourMeter.confusable(NamedColour.RED, NamedColour.BLUE)).isFalse();
        assertThat(ColourMeter.confusable(NamedColour.RED, null)).isTrue();
    }

    @Test
    void dotaAndCocoDataGetPseudoLabelsWithTheirBoxes() throws IOException {
        BufferedImage img = new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(NamedColour.RED.rgb());
        g.fillRect(20, 20, 20, 20);
        g.setColor(NamedColour.BLUE.rgb());
        g.fillRect(150, 150, 20, 20);
        g.dispose();
        Files.createDirectories(dir.resolve("dota/images"));
        ImageIO.write(img, "png", dir.resolve("dota/images/P1.png").toFile());
        Files.createDirectories(dir.resolve("dota/labelTxt"));
        Files.writeString(dir.resolve("dota/labelTxt/P1.txt"),
                "20 20 40 20 40 40 20 40 small-vehicle 0\n150 150 170 150 170 170 150 170 small-vehicle 0\n");
        PseudoWriter.Summary s = PseudoLabeler.run(new PseudoLabeler.Options(dir.resolve("dota"),
                DetectionFormat.DOTA, dir.resolve("out"), java.util.EnumSet.of(PseudoExpression.Source.TEMPLATE),
                0, 0, false, java.util.Set.of(), 0, PseudoExpression.Wording.PLAIN),
                io.rsground.data.ProgressListener.NONE);
        assertThat(s.expressions()).isEqualTo(2);
        List<String> lines = Files.readAllLines(dir.resolve("out/pseudo.jsonl"));
        assertThat(lines.get(0)).contains("\"box_xyxy\":[20.0,20.0,40.0,40.0]").contains("small vehicle");
        assertThat(lines.get(1)).contains("\"box_xyxy\":[150.0,150.0,170.0,170.0]");
        assertThat(String.join("\n", lines)).contains("red small vehicle").contains("on the lower right");
        assertThat(Files.readAllBytes(dir.resolve("out/JPEGImages/P1.png")))
                .isEqualTo(Files.readAllBytes(dir.resolve("dota/images/P1.png")));
    }
}
