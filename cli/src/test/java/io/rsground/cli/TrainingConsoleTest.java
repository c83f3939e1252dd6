package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rsground.config.TrainConfig;
import io.rsground.train.Recipes;
import io.rsground.train.Trainer;
import io.rsground.train.TrainingRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the console says around a run: before a large random model, after a run that learned nothing, at a stop. */
class TrainingConsoleTest {

    private static TrainConfig config(String recipe) throws Exception {
        return Recipes.load(recipe).dataRoot("data").out("out").build();
    }

    private static TrainingRun.Outcome outcome(int epochs, double best, boolean stopped) {
        return new TrainingRun.Outcome(epochs, best, stopped, List.of());
    }

    @Test
    void aLargeModelFromScratchIsAnnouncedWithItsSizeAndTheLaptopAlternatives() throws Exception {
        String notice = TrainingConsole.largeModelNotice(config("reference")).orElseThrow();
        assertThat(notice).contains("vit-b-16").contains("from scratch").contains("--preset tiny")
                .contains("--recipe demo").contains("over 145 M parameters");
        // with CLIP's vocabulary the count is whole: its 49,408 token embeddings of 512 add 25 M
        assertThat(TrainingConsole.largeModelNotice(config("reference").toBuilder().bpe("bpe.txt.gz").build()))
                .get().asString().contains(": 171 M parameters");
        assertThat(TrainingConsole.largeModelNotice(config("reference").toBuilder().preset("tiny").build())).isEmpty();
        assertThat(TrainingConsole.largeModelNotice(config("demo"))).isEmpty();
        assertThat(TrainingConsole.largeModelNotice(config("reference").toBuilder().weights("clip.safetensors")
                .build())).as("weights are read, not drawn").isEmpty();
    }

    @Test
    void aFromScratchRunOfTheReferenceRecipeThatLearnedNothingGetsAHint() throws Exception {
        TrainConfig tiny = config("reference").toBuilder().preset("tiny").build();
        assertThat(TrainingConsole.learnedNothingHint(tiny, outcome(6, 0.0, false))).get().asString()
                .contains("--recipe demo").contains("--weights");
        assertThat(TrainingConsole.learnedNothingHint(tiny, outcome(6, 0.35, false))).isEmpty();
        assertThat(TrainingConsole.learnedNothingHint(tiny, outcome(6, Double.NaN, false))).isEmpty();
        assertThat(TrainingConsole.learnedNothingHint(config("demo"), outcome(6, 0.0, false))).isEmpty();
        assertThat(TrainingConsole.learnedNothingHint(tiny.toBuilder().weights("clip.safetensors").build(),
                outcome(6, 0.0, false))).isEmpty();
    }

    @Test
    void aStopCountsTheBatchesOfTheEpochItCut() {
        TrainingConsole.ProgressListener listener = new TrainingConsole.ProgressListener(
                new PrintWriter(new StringWriter()), 1000);
        Trainer.StepResult step = new Trainer.StepResult(2.0, Map.of(), 1.0);
        for (int batch = 1; batch <= 3; batch++) {
            listener.step(0, batch, 128, step);
        }
        listener.stop();
        assertThat(listener.ending(outcome(0, Double.NaN, true))).isEqualTo("stopped after 3 batches of epoch 1");
        listener.step(2, 1, 128, step);
        assertThat(listener.ending(outcome(2, 0.1, true))).isEqualTo("stopped after 2 epochs and 1 batch of epoch 3");
        assertThat(listener.ending(outcome(64, 0.5, false))).isEqualTo("finished after 64 epochs");
    }
}
