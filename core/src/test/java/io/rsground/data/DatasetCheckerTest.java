package io.rsground.data;

import static io.rsground.data.MiniDataset.annotation;
import static io.rsground.data.MiniDataset.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.box.Box;
import io.rsground.image.Images;
import io.rsground.image.UnreadableImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCheckerTest {

    @TempDir
    Path dir;

    /** Two images, three objects: the happy path, with one annotation lacking its size. */
    private MiniDataset clean() throws IOException {
        MiniDataset d = new MiniDataset(dir.resolve("data"));
        d.jpeg("00001.jpg", 80, 60);
        d.jpeg("00002.jpg", 64, 48);
        d.xml("00001.xml", annotation("00001.jpg", 80, 60,
                obj("vehicle", 10, 12, 30, 20, "The RED Vehicle on the left"),
                obj("storage tank", 40, 5, 79, 59, "  a large storage tank  ")));
        d.xml("00002.xml", annotation("00002.jpg", null, null,
                obj("ship", 0, 0, 64, 48, "the ship")));
        d.splits("0\n2\n", "1\n", "");
        return d;
    }

    @Test
    void cleanDataSetReadsSamplesAndReportsNoProblem() throws Exception {
        MiniDataset d = clean();
        CheckReport report = DatasetChecker.check(d.root, null, false);

        assertThat(report.problems()).isEmpty();
        assertThat(report.exitCode()).isEqualTo(0);
        assertThat(report.images()).isEqualTo(2);
        assertThat(report.objects()).isEqualTo(3);
        assertThat(report.splits().get("train").samples()).isEqualTo(2);
        assertThat(report.splits().get("train").images()).isEqualTo(2);
        assertThat(report.splits().get("val").samples()).isEqualTo(1);
        assertThat(report.splits().get("test").samples()).isZero();
        assertThat(report.classes()).containsExactly(
                java.util.Map.entry("ship", 1), java.util.Map.entry("storage tank", 1),
                java.util.Map.entry("vehicle", 1));
        // "the red vehicle on the left" (6 words), "the ship" (2 words)
        CheckReport.QueryStats q = report.splits().get("train").queryWords();
        assertThat(q.min()).isEqualTo(2);
        assertThat(q.max()).isEqualTo(6);
        assertThat(q.mean()).isEqualTo(4.0);
        assertThat(q.meanChars()).isEqualTo((27 + 8) / 2.0);

        DiorRsvgDataset ds = DiorRsvgDataset.open(d.root, null);
        List<Sample> train = ds.split("train");
        assertThat(train).extracting(Sample::index, Sample::className, Sample::query, Sample::imageId)
                .containsExactly(tuple(0, "vehicle", "the red vehicle on the left", "00001"),
                        tuple(2, "ship", "the ship", "00002"));
        assertThat(train.get(0).box()).isEqualTo(new Box(10, 12, 30, 20));
        assertThat(train.get(0).line()).isEqualTo(8);
        // size from the header when the XML has none
        assertThat(train.get(1).imageWidth()).isEqualTo(64);
        assertThat(train.get(1).imageHeight()).isEqualTo(48);
        assertThat(ds.split("val")).extracting(Sample::query).containsExactly("a large storage tank");
    }

    @Test
    void jsonHasExactlyTheDocumentedShape() throws Exception {
        MiniDataset d = clean();
        Files.delete(d.root.resolve("splits/test.txt"));
        CheckReport report = DatasetChecker.check(d.root, null, true);
        JsonNode json = new ObjectMapper().readTree(report.toJson());

        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("format", "images", "objects", "splits", "fingerprints", "classes",
                "problems");
        assertThat(json.get("format").asText()).isEqualTo("dior-rsvg");
        DiorRsvgDataset scanned = DiorRsvgDataset.scan(d.root, null);
        assertThat(json.get("fingerprints").get("train").asText()).isEqualTo(scanned.fingerprint("train"))
                .isEqualTo(SplitFingerprint.of(scanned.split("train"))).startsWith("sha256:");
        assertThat(json.get("images").asInt()).isEqualTo(2);
        assertThat(json.get("objects").asInt()).isEqualTo(3);
        assertThat(json.get("splits").get("train").asInt()).isEqualTo(2);
        assertThat(json.get("splits").get("val").asInt()).isEqualTo(1);
        assertThat(json.get("splits").get("test").asInt()).isZero();
        assertThat(json.get("classes").get("storage tank").asInt()).isEqualTo(1);
        JsonNode p = json.get("problems").get(0);
        assertThat(json.get("problems")).hasSize(1);
        assertThat(p.get("file").asText()).isEqualTo("splits/test.txt");
        assertThat(p.get("line").isNull()).isTrue();
        assertThat(p.get("index").isNull()).isTrue();
        assertThat(p.get("message").asText()).isEqualTo("split file not found");
        assertThat(report.exitCode()).isEqualTo(2);
        assertThat(report.toText()).contains("1 problem:").contains("splits/test.txt: split file not found");
    }

    @Test
    void globalIndicesFollowFileNameOrder() throws Exception {
        MiniDataset d = new MiniDataset(dir);
        for (String id : List.of("9", "10", "a", "B")) {
            d.jpeg(id + ".jpg", 32, 32);
            d.xml(id + ".xml", annotation(id + ".jpg", 32, 32, obj("c" + id, 1, 1, 5, 5, "x " + id),
                    obj("d" + id, 6, 6, 9, 9, "y " + id)));
        }
        d.splits("0\n1\n2\n3\n4\n5\n6\n7\n", "", "");
        DiorRsvgDataset ds = DiorRsvgDataset.open(dir, null);
        // code-point order of names: "10.xml" < "9.xml" < "B.xml" < "a.xml"
        assertThat(ds.split("train")).extracting(Sample::className)
                .containsExactly("c10", "d10", "c9", "d9", "cB", "dB", "ca", "da");
    }

    @Test
    void malformedXmlIsReportedWithItsLine() throws Exception {
        MiniDataset d = clean();
        d.jpeg("00003.jpg", 50, 50);
        d.xml("00003.xml", "<annotation>", "  <filename>00003.jpg</filename>", "  <object>",
                "    <name>ship</name>", "  </objectt>", "</annotation>");
        CheckReport report = DatasetChecker.check(d.root, null, true);
        assertThat(report.problems()).hasSize(1);
        Problem p = report.problems().get(0);
        assertThat(p.file()).isEqualTo("Annotations/00003.xml");
        assertThat(p.line()).isEqualTo(5);
        assertThat(p.message()).isEqualTo("malformed XML: The end-tag for element type \"object\" must end with a '>' delimiter; "
                + "only the 0 complete <object> elements before this point are counted, so later global indices shift");
        assertThat(report.objects()).isEqualTo(3); // the cut-off object is not counted
    }

    @Test
    void missingBoxOrDescriptionIsReportedAtTheObject() throws Exception {
        MiniDataset d = clean();
        d.jpeg("00003.jpg", 50, 50);
        d.xml("00003.xml", "<annotation>", "<filename>00003.jpg</filename>",
                "<object><name>ship</name>", "<description>a ship</description>", "</object>",
                "<object>", "<name>ship</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>4</xmax><ymax>4</ymax>",
                "</bndbox>", "</object>", "</annotation>");
        CheckReport report = DatasetChecker.check(d.root, null, true);
        assertThat(report.problems()).extracting(Problem::file, Problem::line, Problem::index, Problem::message)
                .containsExactly(tuple("Annotations/00003.xml", 3, 3, "<object> has no <bndbox>"),
                        tuple("Annotations/00003.xml", 6, 4, "<object> has no <description>"));
    }

    @Test
    void nonNumericAndDegenerateBoxesAreReported() throws Exception {
        MiniDataset d = clean();
        d.jpeg("00003.jpg", 50, 50);
        d.xml("00003.xml", annotation("00003.jpg", 50, 50, obj("ship", "1O", 2, 20, 30, "a"),
                obj("ship", 20, 2, 20, 30, "b"), obj("ship", 1, 30, 20, 10, "c"), obj("ship", 1, 2, "NaN", 30, "d")));
        CheckReport report = DatasetChecker.check(d.root, null, true);
        assertThat(report.problems()).extracting(Problem::line, Problem::index, Problem::message).containsExactly(
                tuple(11, 3, "<xmin> is '1O', not a number"),
                tuple(17, 4, "degenerate box (20, 2, 20, 30): need xmin < xmax and ymin < ymax"),
                tuple(24, 5, "degenerate box (1, 30, 20, 10): need xmin < xmax and ymin < ymax"),
                tuple(32, 6, "<xmax> is 'NaN', not a number"));
        assertThat(report.problems()).allMatch(p -> p.file().equals("Annotations/00003.xml"));
    }

    @Test
    void coordinateTooLargeForADoubleIsOneListedProblem() throws Exception {
        MiniDataset d = clean();
        d.jpeg("00003.jpg", 50, 50);
        d.xml("00003.xml", annotation("00003.jpg", 50, 50, obj("ship", 1, 2, "9".repeat(400), 30, "a"),
                obj("ship", 1, 2, 20, 30, "b")));
        CheckReport report = DatasetChecker.check(d.root, null, true);
        assertThat(report.problems()).extracting(Problem::file, Problem::line, Problem::message).containsExactly(
                tuple("Annotations/00003.xml", 11, "<xmax> is '99999999999999999999... (400 characters)', too large "
                        + "for a coordinate"));
    }

    @Test
    void boxesWithinOnePixelAreClampedAndFurtherOutReported() throws Exception {
        MiniDataset d = new MiniDataset(dir);
        d.jpeg("00001.jpg", 80, 60);
        d.xml("00001.xml", annotation("00001.jpg", 80, 60, obj("ship", -1, -0.5, 81, 61, "inside enough"),
                obj("ship", 10, 10, 81.5, 30, "too far right"), obj("ship", 10, -3, 20, 30, "too far up"),
                obj("ship", -1, 5, 0, 10, "a sliver left of the image")));
        d.splits("0\n1\n2\n3\n", "", "");
        DiorRsvgDataset ds = DiorRsvgDataset.scan(dir, null);
        assertThat(ds.split("train")).hasSize(1);
        assertThat(ds.split("train").get(0).box()).isEqualTo(new Box(0, 0, 80, 60));
        assertThat(ds.problems()).extracting(Problem::line, Problem::index, Problem::message).containsExactly(
                tuple(17, 1, "box (10, 10, 81.5, 30) reaches outside the 80x60 image by more than 1 px"),
                tuple(24, 2, "box (10, -3, 20, 30) reaches outside the 80x60 image by more than 1 px"),
                tuple(31, 3, "box (-1, 5, 0, 10) has no area inside the 80x60 image"));
    }

    @Test
    void missingTruncatedAndGarbageImagesAreReported() throws Exception {
        MiniDataset d = clean();
        Files.delete(d.root.resolve("JPEGImages/00002.jpg"));
        Path truncated = d.jpeg("00003.jpg", 200, 150);
        byte[] bytes = Files.readAllBytes(truncated);
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        Files.write(d.root.resolve("JPEGImages/00004.jpg"), "not an image at all".getBytes());
        d.xml("00003.xml", annotation("00003.jpg", 200, 150, obj("ship", 1, 1, 9, 9, "t")));
        d.xml("00004.xml", annotation("00004.jpg", 10, 10, obj("ship", 1, 1, 9, 9, "g")));

        CheckReport full = DatasetChecker.check(d.root, null, false);
        assertThat(full.problems()).extracting(Problem::file, Problem::line).containsExactly(
                tuple("Annotations/00002.xml", 3), tuple("JPEGImages/00003.jpg", null),
                tuple("JPEGImages/00004.jpg", null));
        assertThat(full.problems().get(0).message()).isEqualTo("image JPEGImages/00002.jpg not found");
        assertThat(full.problems().get(1).message()).startsWith("unreadable image: truncated or corrupt JPEG data");
        assertThat(full.problems().get(2).message())
                .startsWith("unreadable image: not an image (JPEG, PNG, TIFF, BMP or GIF expected)");

        // Headers only: the truncated JPEG still has a good header, so only the missing and garbage files show.
        CheckReport quick = DatasetChecker.check(d.root, null, true);
        assertThat(quick.problems()).extracting(Problem::file)
                .containsExactly("Annotations/00002.xml", "JPEGImages/00004.jpg");
    }

    @Test
    void imageSizeDifferentFromTheAnnotationIsReported() throws Exception {
        MiniDataset d = clean();
        d.jpeg("00003.jpg", 40, 30);
        d.xml("00003.xml", annotation("00003.jpg", 800, 800, obj("ship", 1, 1, 9, 9, "s")));
        CheckReport report = DatasetChecker.check(d.root, null, true);
        assertThat(report.problems()).extracting(Problem::file, Problem::line, Problem::message).containsExactly(
                tuple("Annotations/00003.xml", 4, "<size> says 800x800 but the image JPEGImages/00003.jpg is 40x30"));
    }

    @Test
    void externalEntitiesAreNeverRead() throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET-CONTENT");
        MiniDataset d = new MiniDataset(dir.resolve("data"));
        d.jpeg("00001.jpg", 32, 32);
        d.xml("00001.xml", "<?xml version=\"1.0\"?>",
                "<!DOCTYPE annotation [ <!ENTITY xxe SYSTEM \"" + secret.toUri() + "\"> ]>",
                "<annotation><filename>00001.jpg</filename>",
                "<object><name>ship</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>4</xmax><ymax>4</ymax></bndbox>",
                "<description>&xxe;</description></object></annotation>");
        d.splits("0\n", "", "");
        DiorRsvgDataset ds = DiorRsvgDataset.scan(d.root, null);
        assertThat(ds.objectCount()).isZero();
        assertThat(ds.allSamples()).isEmpty();
        Problem p = ds.problems().get(0);
        assertThat(p.file()).isEqualTo("Annotations/00001.xml");
        assertThat(p.line()).isEqualTo(2);
        assertThat(p.message()).contains("DOCTYPE declarations are not allowed");
        assertThat(ds.problems()).noneMatch(x -> x.message().contains("TOP-SECRET"));
        // and the split line now points past the (zero) objects
        assertThat(ds.problems().get(1).message()).contains("object count mismatch");
    }

    @Test
    void splitProblemsAreReportedWithFileAndLine() throws Exception {
        MiniDataset d = clean();
        d.splits("0\nzero\n0\n\n7\n-1\n", "2\n", "1\r\n2\n\n\n");
        CheckReport report = DatasetChecker.check(d.root, null, true);
        assertThat(report.problems()).extracting(Problem::file, Problem::line, Problem::index, Problem::message)
                .containsExactly(
                        tuple("splits/train.txt", 5, null, "object count mismatch: the largest index is 7, so the "
                                + "split files expect at least 8 objects; the annotations hold 3: 1 split line is "
                                + "out of range 0..2 (splits/train.txt 1)"),
                        tuple("splits/train.txt", 2, null, "'zero' is not an integer object index"),
                        tuple("splits/train.txt", 3, 0, "index 0 repeated: already listed at line 1"),
                        tuple("splits/train.txt", 4, null, "empty line; expected an object index"),
                        tuple("splits/train.txt", 5, null, "index 7 out of range 0..2"),
                        tuple("splits/train.txt", 6, null, "index -1 out of range 0..2"),
                        tuple("splits/test.txt", 2, 2, "index 2 repeated: already listed in splits/val.txt at line 1"));
        assertThat(report.splits().get("train").samples()).isEqualTo(1);
        assertThat(report.splits().get("val").samples()).isEqualTo(1);
        assertThat(report.splits().get("test").samples()).isEqualTo(1);
    }

    @Test
    void officialSplitsAgainstASmallAnnotationSetGiveOneClearMismatch() throws Exception {
        MiniDataset d = clean();
        Path official = io.rsground.testing.Fixtures.shared().resolve("dior-rsvg");
        CheckReport report = DatasetChecker.check(d.root, official, true);
        Problem first = report.problems().get(0);
        assertThat(first.file()).isEqualTo(official.resolve("train.txt").toString());
        assertThat(first.message()).startsWith("object count mismatch: the largest index is 38319, so the split files "
                + "expect at least 38,320 objects; the annotations hold 3: 38,317 split lines are out of range 0..2");
        // per file at most 20 lines one by one plus one summary, never tens of thousands of lines
        assertThat(report.problems()).hasSize(1 + 3 * (SplitChecker.DETAILED + 1));
        // the three objects are still found in the splits: 0 and 1 in test.txt, 2 in val.txt
        assertThat(report.splits().get("test").samples()).isEqualTo(2);
        assertThat(report.splits().get("val").samples()).isEqualTo(1);
        assertThat(report.splits().get("train").samples()).isZero();
    }

    @Test
    void emptyDescriptionIsAProblemOnlyInASplit() throws Exception {
        MiniDataset d = new MiniDataset(dir);
        d.jpeg("00001.jpg", 50, 50);
        d.xml("00001.xml", annotation("00001.jpg", 50, 50, obj("ship", 1, 1, 9, 9, "  "),
                obj("ship", 1, 1, 9, 9, ""), obj("ship", 1, 1, 9, 9, "fine")));
        d.splits("2\n", "", "1\n");
        CheckReport report = DatasetChecker.check(dir, null, false);
        assertThat(report.problems()).extracting(Problem::file, Problem::line, Problem::index, Problem::message)
                .containsExactly(tuple("Annotations/00001.xml", 20, 1,
                        "empty <description> for an object in the test split"));
        assertThat(report.splits().get("test").samples()).isZero();
    }

    @Test
    void splitsFolderCanBeGivenAndFilenameMayBeAbsent() throws Exception {
        MiniDataset d = new MiniDataset(dir.resolve("data"));
        d.jpeg("00007.jpg", 50, 40);
        d.xml("00007.xml", "<annotation><object><name>ship</name>",
                "<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>9</xmax><ymax>9</ymax></bndbox>",
                "<description>A Ship</description></object></annotation>");
        Path splits = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(splits.resolve("train.txt"), "0\n");
        Files.writeString(splits.resolve("val.txt"), "");
        Files.writeString(splits.resolve("test.txt"), "");
        DiorRsvgDataset ds = DiorRsvgDataset.open(d.root, splits);
        Sample s = ds.split("train").get(0);
        assertThat(s.imageFile().getFileName().toString()).isEqualTo("00007.jpg");
        assertThat(s.imageWidth()).isEqualTo(50);
        assertThat(s.imageHeight()).isEqualTo(40);
        assertThat(s.query()).isEqualTo("a ship");
    }

    @Test
    void filenameEscapingTheImageFolderIsRefused() throws Exception {
        MiniDataset d = clean();
        d.xml("00003.xml", annotation("../Annotations/00001.xml", 50, 50, obj("ship", 1, 1, 9, 9, "s")));
        CheckReport report = DatasetChecker.check(d.root, null, false);
        assertThat(report.problems()).extracting(Problem::file, Problem::line, Problem::message).containsExactly(
                tuple("Annotations/00003.xml", 3,
                        "<filename> '../Annotations/00001.xml' does not name a file directly inside JPEGImages"));
    }

    @Test
    void openRefusesADataSetWithProblemsAndListsThemAll() throws Exception {
        MiniDataset d = clean();
        d.splits("0\n9\n8\n", "x\n", "");
        assertThatThrownBy(() -> DiorRsvgDataset.open(d.root, null))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("4 problems")
                .hasMessageContaining("splits/train.txt:2: index 9 out of range 0..2")
                .hasMessageContaining("splits/train.txt:3: index 8 out of range 0..2")
                .hasMessageContaining("splits/val.txt:1: 'x' is not an integer object index")
                .satisfies(e -> assertThat(((DatasetException) e).problems()).hasSize(4));
    }

    @Test
    void missingFoldersAreProblemsAndAMissingRootIsAnError() throws Exception {
        Files.createDirectories(dir.resolve("empty"));
        CheckReport report = DatasetChecker.check(dir.resolve("empty"), null, false);
        assertThat(report.problems()).extracting(Problem::file, Problem::message).containsExactly(
                tuple("Annotations", DiorRsvgDataset.NO_ANNOTATIONS), tuple("JPEGImages", "image folder not found"),
                tuple("splits/train.txt", "split file not found"), tuple("splits/val.txt", "split file not found"),
                tuple("splits/test.txt", "split file not found"));
        assertThatThrownBy(() -> DatasetChecker.check(dir.resolve("nowhere"), null, false))
                .isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessageContaining("nowhere");
    }

    @Test
    void skippedSamplesAreCounted() throws Exception {
        MiniDataset d = clean();
        DiorRsvgDataset ds = DiorRsvgDataset.open(d.root, null);
        Path image = d.root.resolve("JPEGImages/00002.jpg");
        byte[] bytes = Files.readAllBytes(image);
        Files.write(image, Arrays.copyOf(bytes, bytes.length - 40)); // truncated after the check
        SkippedSamples skipped = new SkippedSamples();
        int decoded = 0;
        for (Sample s : ds.split("train")) {
            try {
                Images.read(s.imageFile());
                decoded++;
            } catch (UnreadableImageException e) {
                skipped.skip(s, e);
            }
        }
        assertThat(decoded).isEqualTo(1);
        assertThat(skipped.count()).isEqualTo(1);
        assertThat(skipped.reasons().get(0)).startsWith("sample 2 (").contains("00002.jpg");
    }
}
