package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rsground.config.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code train --config FILE}: a run's train-config.json given back yields that run's settings. */
class TrainConfigFileTest {

    /** @return the settings {@code train} would run with these options */
    static TrainConfig parse(String... args) throws Exception {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs(args);
        return train.toConfig();
    }

    /** @return the settings as the run writes them into OUT/train-config.json */
    private static Path written(TrainConfig config, Path dir) throws Exception {
        Path file = dir.resolve("train-config.json");
        Files.writeString(file, config.toJson() + "\n");
        return file;
    }

    @Test
    void aRunsConfigGivenBackIsThatRunsSettings(@TempDir Path dir) throws Exception {
        TrainConfig run = parse("--recipe", "demo", "--data-root", "data", "--splits", "my-splits", "--out", "runs/a",
                "--epochs", "7", "--lr", "3e-4", "--pretrain-vision-steps", "150", "--loss", "referent=5",
                "--no-aug-blur", "--seed", "4");
        Path file = written(run, dir);

        assertThat(parse("--config", file.toString())).isEqualTo(run);
        // options given with it change only what they name
        TrainConfig changed = parse("--config", file.toString(), "--out", "runs/b", "--seed", "5");
        assertThat(changed).isEqualTo(run.toBuilder().out("runs/b").seed(5).build());
        assertThat(changed.recipe().name()).isEqualTo("demo");
    }

    @Test
    void theReferenceRecipesConfigRoundTripsToo(@TempDir Path dir) throws Exception {
        TrainConfig run = parse("--data-root", "data", "--out", "runs/a", "--preset", "tiny", "--vl-dropout", "0",
                "--replicas", "2");
        assertThat(parse("--config", written(run, dir).toString())).isEqualTo(run);
    }

    @Test
    void configAndRecipeExcludeEachOtherAndTheFileMustExist(@TempDir Path dir) throws Exception {
        Path file = written(parse("--data-root", "data", "--out", "runs/a"), dir);
        assertThatThrownBy(() -> parse("--config", file.toString(), "--recipe", "demo"))
                .isInstanceOf(Errors.BadInputException.class).hasMessageContaining("--recipe");
        Path missing = dir.resolve("nope.json");
        assertThatThrownBy(() -> parse("--config", missing.toString()))
                .isInstanceOf(Errors.BadInputException.class).hasMessageContaining(missing.toString());
    }

    @Test
    void withoutConfigTheDataRootAndOutputAreAskedFor() {
        CliRunner.Result noRoot = CliRunner.run("train", "--out", "runs/a");
        assertThat(noRoot.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(noRoot.err()).contains("--data-root");
        CliRunner.Result noOut = CliRunner.run("train", "--data-root", "data");
        assertThat(noOut.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(noOut.err()).contains("--out");
    }
}
