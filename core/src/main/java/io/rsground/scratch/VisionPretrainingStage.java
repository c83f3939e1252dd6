package io.rsground.scratch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.rsground.config.ConfigException;
import io.rsground.config.TrainConfig;
import io.rsground.data.synth.SceneObjects;
import io.rsground.train.Stage;
import io.rsground.train.TrainingPlots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link VisionPretraining} as a stage of a recipe ({@code recipe.stages.vision_pretraining}); writes its figures
 * to {@code pretrain-vision.json} and the picture of its terms per step to {@code pretrain-vision.png} in the run's
 * folder.
 */
public final class VisionPretrainingStage implements Stage {
    /** The stage's name in recipes. */
    public static final String NAME = "vision_pretraining";
    /** Where the stage's figures go, in the run's folder. */
    public static final String SUMMARY = "pretrain-vision.json";
    /** The picture of the stage's terms per step, in the run's folder. */
    public static final String PLOT = "pretrain-vision.png";
    private static final Logger LOG = LoggerFactory.getLogger(VisionPretrainingStage.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * The stage's settings.
     *
     * @param steps the most steps (0: no step limit)
     * @param minutes wall-time budget (0: none); at least one of the two is needed
     * @param lr peak learning rate
     * @param batch images per step (0: the run's batch size)
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Settings(int steps, double minutes, double lr, int batch) {
        static final Settings DEFAULTS = new Settings(0, 0, 3e-3, 0);
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * @return the stage's settings over their defaults
     * @throws ConfigException naming an unknown or wrong key
     */
    static Settings settings(Map<String, Object> given) {
        Map<String, Object> merged = new LinkedHashMap<>(JSON.convertValue(Settings.DEFAULTS, Map.class));
        merged.putAll(given);
        Settings s;
        try {
            s = JSON.convertValue(merged, Settings.class);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("recipe.stages." + NAME + ": expected steps, minutes, lr and batch ("
                    + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
        if (s.steps() <= 0 && !(s.minutes() > 0)) {
            throw new ConfigException("recipe.stages." + NAME + " needs steps or minutes, got " + given);
        }
        return s;
    }

    @Override
    public Report run(Context c) throws IOException {
        Settings s = settings(c.settings());
        TrainConfig config = c.config();
        VisionPretraining.Settings settings = new VisionPretraining.Settings(s.minutes(), s.steps(),
                s.batch() > 0 ? s.batch() : config.optim().batchSize(), s.lr(), config.optim().weightDecay(),
                config.optim().clipMaxNorm() > 0 ? config.optim().clipMaxNorm() : 1.0, config.run().seed());
        LOG.info("vision pre-training: {}", s.steps() > 0 ? s.steps() + " steps" : String.format(Locale.ROOT,
                "%.1f min", s.minutes()));
        List<Integer> steps = new ArrayList<>();
        List<Map<String, Double>> logged = new ArrayList<>();
        VisionPretraining.Result r = VisionPretraining.run(c.model(), c.manager(), c.train(),
                SceneObjects.knownObjects(Path.of(config.run().dataRoot()), c.dataset().allSamples()), settings,
                new VisionPretraining.Progress() {
                    @Override
                    public void step(int step, double fraction, Map<String, Double> terms) {
                        steps.add(step);
                        logged.add(Map.copyOf(terms));
                        c.progress().step(step, fraction, terms);
                    }

                    @Override
                    public boolean stopRequested() {
                        return c.stopRequested().getAsBoolean();
                    }
                }, c.val());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("steps", r.steps());
        summary.put("seconds", r.seconds());
        summary.put("images", r.images());
        summary.put("classes", r.classes());
        summary.put("labels", r.labels());
        summary.put("final", r.terms());
        summary.put("held_out", r.heldOut());
        Files.writeString(c.out().resolve(SUMMARY), JSON.writeValueAsString(summary) + "\n");
        TrainingPlots.writeStage(c.out().resolve(PLOT), "Vision pre-training (stage 1)", steps, logged);
        // a stage cut short by Ctrl-C runs again, from where the tower got to, when the run resumes
        return new Report(NAME, r.steps(), r.seconds(), !c.stopRequested().getAsBoolean(), lines(r), summary);
    }

    private static List<String> lines(VisionPretraining.Result r) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "vision pre-training: %d steps on %d images in %.0f s, patch class "
                + "accuracy %.1f%%, object box L1 %.4f", r.steps(), r.images(), r.seconds(),
                100 * r.terms().getOrDefault("class_accuracy", Double.NaN), r.terms().getOrDefault("box_l1",
                Double.NaN)));
        if (!r.heldOut().isEmpty()) {
            lines.add(String.format(Locale.ROOT, "  on %.0f validation images it never saw: patch class accuracy "
                    + "%.1f%%, object box L1 %.4f", r.heldOut().get("images"), 100 * r.heldOut().getOrDefault(
                    "class_accuracy", Double.NaN), r.heldOut().getOrDefault("box_l1", Double.NaN)));
        }
        return lines;
    }
}
