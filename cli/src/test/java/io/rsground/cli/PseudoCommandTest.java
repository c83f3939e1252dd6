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
}
