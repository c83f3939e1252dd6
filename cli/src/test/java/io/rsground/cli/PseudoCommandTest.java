package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.box.Box;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.train.LabelSelection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rsground pseudo} on a small synthetic data set read as VOC detection data, then {@code data check}. */
class PseudoCommandTest {

    @TempDir
    Path dir;

    @Test
    void writesPseudoLabelsThatDataCheckAcceptsAndRefusesToOverwrite() throws IOException {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 4, 256, 9, 1, ProgressListener.NONE);
        // a broken annotation file is reported with its line and skipped; the others are labelled
        Files.writeString(data.resolve("Annotations/00099.xml"), "<annotation>\n<object><name>ship</name>\n"
                + "</annotation>\n");
        Path out = dir.resolve("pseudo");
        CliRunner.Result r = CliRunner.run("pseudo", "--data-root", data.toString(), "--out", out.toString(),
                "--sources", "template,relation", "--seed", "5");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote ").contains("on 4 of 4 images").contains("template: ")
                .contains("written").contains("objects skipped");
        assertThat(r.err()).contains("skipped: Annotations/00099.xml:3: malformed XML");
        List<String> lines = Files.readAllLines(out.resolve("pseudo.jsonl"));
        assertThat(lines).isNotEmpty().allMatch(l -> l.contains("\"source\":\"template\"")
                || l.contains("\"source\":\"relation\""));

        CliRunner.Result check = CliRunner.run("data", "check", "--data-root", out.toString());
        assertThat(check.exitCode()).as(check.out()).isZero();

        CliRunner.Result again = CliRunner.run("pseudo", "--data-root", data.toString(), "--out", out.toString());
        assertThat(again.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(again.err()).contains("--overwrite");
        CliRunner.Result replaced = CliRunner.run("pseudo", "--data-root", data.toString(), "--out", out.toString(),
                "--overwrite", "--sources", "template", "--per-image", "1", "--seed", "5");
        assertThat(replaced.exitCode()).as(replaced.err()).isZero();
        assertThat(Files.readAllLines(out.resolve("pseudo.jsonl"))).hasSize(4)
                .allMatch(l -> l.contains("\"source\":\"template\""));

        CliRunner.Result badSource = CliRunner.run("pseudo", "--data-root", data.toString(), "--out",
                dir.resolve("x").toString(), "--sources", "caption");
        assertThat(badSource.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(badSource.err()).contains("unknown pseudo-label source 'caption'");
    }

    @Test
    void holdOutLeavesOutTheImagesAGroundingDataSetEvaluatesOn() throws Exception {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 12, 128, 3, 1, ProgressListener.NONE);
        io.rsground.data.GroundingDataset human = io.rsground.data.GroundingDataset.open(data, null);
        java.util.Set<String> evaluated = new java.util.HashSet<>();
        for (String split : List.of("val", "test")) {
            human.split(split).forEach(s -> evaluated.add(s.imageFile().getFileName().toString()));
        }
        assertThat(evaluated).isNotEmpty();
        Path out = dir.resolve("pseudo");
        CliRunner.Result r = CliRunner.run("pseudo", "--data-root", data.toString(), "--out", out.toString(),
                "--hold-out", data.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains(evaluated.size() + " images held out");
        try (var files = Files.list(out.resolve("JPEGImages"))) {
            List<String> written = files.map(p -> p.getFileName().toString()).toList();
            assertThat(written).isNotEmpty().doesNotContainAnyElementsOf(evaluated);
        }
    }

    @Test
    void simulatedDetectionsBecomePseudoLabelsAboveTheMinimumScore() throws IOException {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 6, 256, 2, 1, ProgressListener.NONE);
        Path detections = dir.resolve("detections");
        CliRunner.Result r = CliRunner.run("data", "simulate-detector", "--data-root", data.toString(), "--out",
                detections.toString(), "--miss", "0", "--jitter", "0", "--confuse", "0", "--false-per-image", "2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("wrote \\d+ detections on 6 images").contains("0 with another class");
        // every object is found with its own box and class, so only the false detections are wrong
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) of (\\d+) objects found").matcher(r.out());
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo(m.group(2));

        // false detections score below 0.5 and found objects at least 0.5, so 0.5 keeps exactly the objects
        Path out = dir.resolve("pseudo");
        CliRunner.Result p = CliRunner.run("pseudo", "--data-root", detections.toString(), "--format", "coco",
                "--out", out.toString(), "--min-score", "0.5");
        assertThat(p.exitCode()).as(p.err()).isZero();
        assertThat(p.out()).contains("(" + m.group(2) + " objects;").contains("detections below --min-score dropped");
        assertEachLabelCarriesItsDetectionsScore(detections.resolve("annotations.json"), out);

        CliRunner.Result again = CliRunner.run("data", "simulate-detector", "--data-root", data.toString(), "--out",
                detections.toString());
        assertThat(again.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(again.err()).contains("annotations.json").contains("--overwrite");
        CliRunner.Result bad = CliRunner.run("data", "simulate-detector", "--data-root", data.toString(), "--out",
                dir.resolve("x").toString(), "--miss", "2");
        assertThat(bad.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(bad.err()).contains("--miss must lie in [0, 1]");
    }

    /**
     * Each pseudo-label's {@code score} in {@code pseudo.jsonl} is the score of the detection it was made from (the
     * one its box came from) and reaches the minimum of 0.5; {@code train --select} reads the same scores.
     */
    private static void assertEachLabelCarriesItsDetectionsScore(Path cocoFile, Path pseudo) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode coco = json.readTree(cocoFile.toFile());
        Map<Integer, String> nameOf = new HashMap<>();
        coco.get("images").forEach(i -> nameOf.put(i.get("id").asInt(), Path.of(i.get("file_name").asText())
                .getFileName().toString()));
        Map<String, List<JsonNode>> detectionsOf = new HashMap<>();
        coco.get("annotations").forEach(a -> detectionsOf.computeIfAbsent(nameOf.get(a.get("image_id").asInt()),
                k -> new ArrayList<>()).add(a));
        Map<Integer, Double> scores = new HashMap<>();
        for (String line : Files.readAllLines(pseudo.resolve("pseudo.jsonl"))) {
            JsonNode label = json.readTree(line);
            JsonNode b = label.get("box_xyxy");
            Box box = new Box(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble());
            JsonNode source = null;
            double best = 0;
            for (JsonNode d : detectionsOf.get(Path.of(label.get("image").asText()).getFileName().toString())) {
                JsonNode xywh = d.get("bbox");
                double iou = box.iou(new Box(xywh.get(0).asDouble(), xywh.get(1).asDouble(), xywh.get(0).asDouble()
                        + xywh.get(2).asDouble(), xywh.get(1).asDouble() + xywh.get(3).asDouble()));
                if (iou > best) {
                    best = iou;
                    source = d;
                }
            }
            assertThat(best).as(line).isGreaterThan(0.99);
            assertThat(label.get("score").asDouble()).as(line).isEqualTo(source.get("score").asDouble())
                    .isGreaterThanOrEqualTo(0.5);
            scores.put(label.get("index").asInt(), label.get("score").asDouble());
        }
        assertThat(scores).isNotEmpty();
        assertThat(LabelSelection.read(pseudo.resolve("pseudo.jsonl"))).isEqualTo(scores);
    }
}
