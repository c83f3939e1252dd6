package io.rsground.train;

import io.rsground.config.ModelConfig;
import io.rsground.config.TrainConfig;
import io.rsground.model.ClipVgModel;
import java.util.Optional;

/**
 * The model a new run draws at random when it is given no weights, known before it is built: building a large one
 * takes minutes and gigabytes, which a person wants to hear about first.
 */
public final class FromScratch {
    private FromScratch() {
    }

    /**
     * @param config a run's settings
     * @return the architecture the run draws at random (its preset or file, reshaped by the settings, with the
     *     presence head the objective asks for; the text embedding at the architecture's vocabulary size, which a
     *     word vocabulary later shrinks), or empty when the run starts from weights, a checkpoint or a resumed run
     */
    public static Optional<ModelConfig> architecture(TrainConfig config) {
        TrainConfig.ModelSource source = config.model();
        if (config.run().resume() != null || source.weights() != null || source.retrain() != null) {
            return Optional.empty();
        }
        ModelConfig shaped = RunSetup.reshape(RunSetup.baseArchitecture(source), source);
        return Optional.of(config.lossWeight("presence") > 0 ? shaped.withPresenceHead(true) : shaped);
    }

    /** @return the scalars of a model of this architecture, counted from its declared shapes (nothing allocated) */
    public static long parameters(ModelConfig architecture) {
        return new ClipVgModel(architecture).parameterCount();
    }

    /** @return the preset's name, the architecture file, or vit-b-16 (what a run without either builds) */
    public static String architectureName(TrainConfig config) {
        TrainConfig.ModelSource source = config.model();
        return source.modelConfig() != null ? source.modelConfig()
                : source.preset() != null ? source.preset() : RunSetup.DEFAULT_PRESET;
    }
}
