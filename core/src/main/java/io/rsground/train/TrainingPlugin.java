package io.rsground.train;

import java.util.ServiceLoader;

/**
 * What adds loss terms and stages to training without the core knowing it: implementations are listed in
 * {@code META-INF/services/io.rsground.train.TrainingPlugin} and registered, once, the first time a registry is
 * asked (the from-scratch wing is one).
 */
public interface TrainingPlugin {
    /** Registers the plugin's terms ({@link Objectives#registerTerm}) and stages ({@link Stages#register}). */
    void register();

    /** Loads and registers every plugin on the class path, the first time it is called. */
    static void loadAll() {
        Loaded.ONCE.hashCode();
    }

    /** Holder: the JVM runs its initialiser once, on first use, whichever thread comes first. */
    final class Loaded {
        static final Object ONCE = load();

        private Loaded() {
        }

        private static Object load() {
            for (TrainingPlugin p : ServiceLoader.load(TrainingPlugin.class)) {
                p.register();
            }
            return new Object();
        }
    }
}
