package io.rsground.train;

import ai.djl.ndarray.NDManager;
import io.rsground.config.TrainConfig;
import io.rsground.data.GroundingDataset;
import io.rsground.data.Sample;
import io.rsground.model.ClipVgModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Work on the model that a recipe runs before the grounding epochs (the from-scratch wing's vision pre-training is
 * one). Stages are registered by name in {@link Stages} and named, with their settings, in the configuration's
 * {@code recipe.stages}; a stage that completed is recorded in the checkpoint and not run again on resume.
 */
public interface Stage {

    /**
     * What a stage runs on.
     *
     * @param model the model, weights initialised or loaded; the stage may change them
     * @param manager parent manager for the stage's own arrays
     * @param config the run's settings
     * @param settings the stage's own settings ({@code recipe.stages.NAME})
     * @param dataset the data set
     * @param train the training split
     * @param val the validation split
     * @param out the run's output folder
     * @param progress hears about the stage's steps
     * @param stopRequested true once the run is asked to stop (checked between steps)
     */
    record Context(ClipVgModel model, NDManager manager, TrainConfig config, Map<String, Object> settings,
            GroundingDataset dataset, List<Sample> train, List<Sample> val, Path out, Progress progress,
            BooleanSupplier stopRequested) {
    }

    /** Hears about a stage's steps. */
    @FunctionalInterface
    interface Progress {
        /**
         * @param step steps done
         * @param fraction share of the stage's plan spent, 0..1
         * @param terms running means of its measures
         */
        void step(int step, double fraction, Map<String, Double> terms);
    }

    /**
     * What a stage did.
     *
     * @param name the stage's name
     * @param steps optimisation steps
     * @param seconds wall time
     * @param completed false when a stop request cut it short (it then runs again on resume)
     * @param lines a few lines for people to read
     * @param summary the figures (the stage also writes them into the output folder)
     */
    record Report(String name, int steps, double seconds, boolean completed, List<String> lines,
            Map<String, Object> summary) {
    }

    /** @return the stage's name, its key in {@code recipe.stages} */
    String name();

    /**
     * Runs the stage.
     *
     * @return what it did
     * @throws IOException when its data cannot be read
     */
    Report run(Context context) throws IOException;
}
