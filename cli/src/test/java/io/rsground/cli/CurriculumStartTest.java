package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.data.ProgressListener;
import io.rsground.data.synth.SceneGenerator;
import io.rsground.model.ClipVgModel;
import io.rsground.weights.HostTensor;
import io.rsground.weights.RsgroundCheckpoint;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a curriculum's later stages start and how its time budget is shared: the from-scratch recipe's vision
 * pre-training runs once, in the first stage, and the later stages start from the measurer's weights.
 */
class CurriculumStartTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void laterStagesStartFromTheMeasurerAndShareWhatIsLeftOfTheBudget() throws Exception {
        Path data = dir.resolve("data");
        SceneGenerator.generate(data, 6, 96, 3, 1, ProgressListener.NONE);
        Path out = dir.resolve("ssa");
        double budget = 10;
        double recipeMinutes = 1;
        long start = System.nanoTime();
        CliRunner.Result r = CliRunner.run("train", "--recipe", "demo", "--data-root", data.toString(), "--out",
                out.toString(), "--imsize", "64", "--epochs", "1", "--batch-size", "8", "--num-workers", "0",
                "--pretrain-vision-steps", "3", "--pretrain-vision-batch", "4", "--pretrain-vision",
                String.valueOf(recipeMinutes), "--minutes", String.valueOf(budget), "--curriculum", "ssa",
                "--curriculum-thresholds", "0.0001", "--curriculum-final-share", "0");
        double elapsed = (System.nanoTime() - start) / 60e9;
        assertThat(r.exitCode()).as(r.err()).isZero();
        Path measurer = out.resolve("measurer");
        Path stage = out.resolve("h0.0001");
        assertThat(measurer.resolve("pretrain-vision.json")).isRegularFile();
        assertThat(stage.resolve("pretrain-vision.json")).doesNotExist();

        JsonNode first = JSON.readTree(measurer.resolve("train-config.json").toFile());
        JsonNode later = JSON.readTree(stage.resolve("train-config.json").toFile());
        assertThat(later.at("/model/retrain").asText()).isEqualTo(measurer.resolve("best_checkpoint").toString());
        assertThat(later.at("/recipe/stages").size()).isZero();
        assertThat(later.at("/optim/trainable").asText()).isEqualTo("freeze_vision");
        // two stages planned: the first gets its recipe minutes and half of the rest, the second what is left
        assertThat(first.at("/run/time_budget_minutes").asDouble())
                .isCloseTo(recipeMinutes + (budget - recipeMinutes) / 2, within(0.05));
        assertThat(later.at("/run/time_budget_minutes").asDouble()).isBetween(budget - elapsed, budget);

        // the image tower is frozen after the first stage's pre-training: a stage that started from the measurer
        // holds its tower bit for bit, and has trained the rest further
        Map<String, HostTensor> measured = RsgroundCheckpoint.read(measurer.resolve("best_checkpoint")).weights();
        Map<String, HostTensor> continued = RsgroundCheckpoint.read(stage.resolve("best_checkpoint")).weights();
        assertThat(measured.keySet()).isEqualTo(continued.keySet());
        int vision = 0;
        int changed = 0;
        for (String name : measured.keySet()) {
            if (ClipVgModel.isVisionParameter(name)) {
                assertThat(continued.get(name)).as(name).isEqualTo(measured.get(name));
                vision++;
            } else if (!continued.get(name).equals(measured.get(name))) {
                changed++;
            }
        }
        assertThat(vision).isPositive();
        assertThat(changed).isPositive();
    }

    /**
     * The final share of the budget goes to a stage that continues the search's choice on its labels; the search's
     * stages share the rest.
     */
    @Test
    void theFinalStageContinuesTheSearchsChoiceForWhatIsLeft() throws Exception {
        Path out = dir.resolve("ssa");
        double budget = 10;
        long start = System.nanoTime();
        String[] args = tinySsa(out, budget, "--curriculum-thresholds", "keep:1,0.5", "--curriculum-final-share",
                "0.5");
        CliRunner.Result r = CliRunner.run(args);
        double elapsed = (System.nanoTime() - start) / 60e9;
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode state = JSON.readTree(out.resolve("curriculum.json").toFile());
        assertThat(state.get("thresholds").asText()).isEqualTo("keep:1,0.5");
        JsonNode stages = state.get("stages");
        JsonNode last = stages.get(stages.size() - 1);
        assertThat(last.get("name").asText()).isEqualTo("final");
        String choice = null; // the search's choice: its best score, a tie going to the later stage
        JsonNode chosen = null;
        for (int i = 0; i < stages.size() - 1; i++) {
            if (chosen == null || stages.get(i).get("search_pr50").asDouble() >= chosen.get("search_pr50")
                    .asDouble()) {
                chosen = stages.get(i);
                choice = chosen.get("name").asText();
            }
        }
        JsonNode measurer = JSON.readTree(out.resolve("measurer/train-config.json").toFile());
        JsonNode continued = JSON.readTree(out.resolve("final/train-config.json").toFile());
        // three search stages planned share half the budget; the final stage gets what they left
        assertThat(measurer.at("/run/time_budget_minutes").asDouble()).isCloseTo(budget / 2 / 3, within(0.05));
        assertThat(continued.at("/run/time_budget_minutes").asDouble()).isBetween(budget - elapsed, budget);
        assertThat(continued.at("/run/budget_whole_epochs").asInt()).isZero();
        assertThat(continued.at("/model/retrain").asText()).isEqualTo(out.resolve(choice).resolve("best_checkpoint")
                .toString());
        assertThat(last.get("labels").asInt()).isEqualTo(chosen.get("labels").asInt());
        assertThat(state.get("chosen").asText()).isEqualTo(last.get("search_pr50").asDouble() >= chosen.get(
                "search_pr50").asDouble() ? "final" : choice);

        CliRunner.Result again = CliRunner.run(args); // every stage done: nothing trains, the result stands
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("stage final is done").doesNotContain("epoch 1:");
        assertThat(JSON.readTree(out.resolve("curriculum.json").toFile()).get("chosen").asText())
                .isEqualTo(state.get("chosen").asText());
    }

    /** On every label, the final stage continues the choice with the labels it left out added back. */
    @Test
    void theFinalStageCanTrainOnEveryLabel() throws Exception {
        Path out = dir.resolve("ssa");
        CliRunner.Result r = CliRunner.run(tinySsa(out, 10, "--curriculum-thresholds", "0.5",
                "--curriculum-final-labels", "all"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode state = JSON.readTree(out.resolve("curriculum.json").toFile());
        int trainLabels = io.rsground.data.GroundingDataset.open(dir.resolve("data"), null).split("train").size();
        JsonNode stages = state.get("stages");
        JsonNode last = stages.get(stages.size() - 1);
        assertThat(last.get("name").asText()).isEqualTo("final");
        assertThat(last.get("labels").asInt()).isEqualTo(trainLabels);
        JsonNode continued = JSON.readTree(out.resolve("final/train-config.json").toFile());
        assertThat(continued.at("/run/selection").isTextual()).as("no selection file").isFalse();
        String from = stages.size() == 3 && stages.get(1).get("search_pr50").asDouble() >= stages.get(0)
                .get("search_pr50").asDouble() ? "h0.5" : "measurer";
        assertThat(continued.at("/model/retrain").asText()).isEqualTo(out.resolve(from).resolve("best_checkpoint")
                .toString());

        CliRunner.Result bad = CliRunner.run(tinySsa(dir.resolve("bad"), 10, "--curriculum-final-labels", "some"));
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--curriculum-final-labels takes chosen or all, got 'some'");
    }

    @Test
    void noStageStartsOnceTheBudgetIsSpent() throws Exception {
        Path out = dir.resolve("ssa");
        // the measurer's one epoch takes longer than the whole budget
        CliRunner.Result r = CliRunner.run(tinySsa(out, 0.001, "--curriculum-thresholds", "0.0001,0.5"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("the time budget of 0.0 min is spent");
        JsonNode state = JSON.readTree(out.resolve("curriculum.json").toFile());
        assertThat(state.get("stages")).hasSize(1);
        assertThat(state.get("chosen").asText()).isEqualTo("measurer");
        assertThat(out.resolve("h0.0001")).doesNotExist();
        // the measurer scores the labels it trained on: the budget cannot end its first epoch early
        JsonNode measurer = JSON.readTree(out.resolve("measurer/train-config.json").toFile());
        assertThat(measurer.at("/run/budget_whole_epochs").asInt()).isEqualTo(1);
    }

    /**
     * @return the arguments of a one-epoch SSA curriculum of the tiny model on a small generated data set (made
     *     once per test in {@code dir/data}), with the given budget and further options
     */
    private String[] tinySsa(Path out, double minutes, String... more) throws Exception {
        Path data = dir.resolve("data");
        if (!java.nio.file.Files.isDirectory(data)) {
            SceneGenerator.generate(data, 6, 96, 3, 1, ProgressListener.NONE);
        }
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--preset", "tiny",
                "--data-root", data.toString(), "--out", out.toString(), "--imsize", "64", "--epochs", "1",
                "--batch-size", "8", "--num-workers", "0", "--minutes", String.valueOf(minutes), "--curriculum",
                "ssa"));
        args.addAll(java.util.List.of(more));
        return args.toArray(String[]::new);
    }
}
