package io.rsground.train;

import io.rsground.config.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The registry of stages by name; plugins ({@link TrainingPlugin}) add theirs. */
public final class Stages {
    private static final Map<String, Supplier<Stage>> STAGES = new TreeMap<>();

    private Stages() {
    }

    /** Registers a stage under its name. */
    public static synchronized void register(String name, Supplier<Stage> factory) {
        STAGES.put(name, factory);
    }

    /** @return the known stage names */
    public static List<String> names() {
        TrainingPlugin.loadAll();
        synchronized (Stages.class) {
            return List.copyOf(STAGES.keySet());
        }
    }

    /**
     * @return the named stage
     * @throws ConfigException for an unknown name
     */
    public static Stage create(String name) {
        TrainingPlugin.loadAll();
        Supplier<Stage> f;
        synchronized (Stages.class) {
            f = STAGES.get(name);
        }
        if (f == null) {
            throw new ConfigException("recipe.stages: unknown stage '" + name + "'; known: " + String.join(", ",
                    names()));
        }
        return f.get();
    }
}
