package io.rsground.train;

import io.rsground.config.ConfigException;
import io.rsground.config.ModelConfig;
import io.rsground.config.TrainConfig;
import io.rsground.data.Sample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The named training recipes' objectives ({@code --recipe}). */
public final class Objectives {
    /** What an objective may need to build itself. */
    public record Context(TrainConfig config, ModelConfig model, Path dataRoot, List<Sample> trainSamples) {
    }

    /** Builds an objective for a run. */
    @FunctionalInterface
    public interface Factory {
        TrainingObjective create(Context context) throws IOException;
    }

    private static final Map<String, Factory> FACTORIES = new TreeMap<>();

    static {
        register("reference", c -> new BoxObjective(new GroundingLoss(c.config().lossL1(), c.config().lossGiou())));
        register("referent", c -> new ReferentObjective(new GroundingLoss(c.config().lossL1(),
                c.config().lossGiou()), c.config().referentWeight(), c.config().attentionWeight(),
                c.config().readoutWeight(), c.config().matchWeight(), c.model().fusion().hiddenDim(),
                c.model().fusion().layers(), c.model().vision().patchSize()));
    }

    private Objectives() {
    }

    /** Registers a recipe's objective under a name. */
    public static synchronized void register(String name, Factory factory) {
        FACTORIES.put(name, factory);
    }

    /** @return the known recipe names */
    public static synchronized List<String> names() {
        return List.copyOf(FACTORIES.keySet());
    }

    /** @return the objective of the named recipe */
    public static TrainingObjective create(String name, Context context) throws IOException {
        Factory f;
        synchronized (Objectives.class) {
            f = FACTORIES.get(name);
        }
        if (f == null) {
            throw new ConfigException("unknown recipe '" + name + "'; known: " + String.join(", ", names()));
        }
        return f.create(context);
    }
}
