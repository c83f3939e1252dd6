package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

        CliRunner.Result again = CliRunner.run("data", "simulate-detector", "--data-root", data.toString(), "--out",
                detections.toString());
        assertThat(again.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(again.err()).contains("annotations.json").contains("--overwrite");
        CliRunner.Result bad = CliRunner.run("data", "simulate-detector", "--data-root", data.toString(), "--out",
                dir.resolve("x").toString(), "--miss", "2");
        assertThat(bad.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(bad.err()).contains("--miss must lie in [0, 1]");
    }
}
