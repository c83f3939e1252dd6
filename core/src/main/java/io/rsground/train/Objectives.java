package io.rsground.train;

import io.rsground.config.ConfigException;
import io.rsground.config.ModelConfig;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The registry of loss terms by name, and the factory of a run's objective from its term weights (DETR's
 * {@code build} of a criterion from its {@code weight_dict}). The box terms {@code l1} and {@code giou} and the
 * presence head's {@code presence} are built in; further terms come from {@link TrainingPlugin}s.
 */
public final class Objectives {
    /**
     * What a term may need to build itself.
     *
     * @param model the architecture
     * @param lossWeights every term's weight, by name
     */
    public record Context(ModelConfig model, Map<String, Double> lossWeights) {
        /** @return a term's weight, 0 when not given */
        public double weight(String term) {
            return lossWeights.getOrDefault(term, 0.0);
        }
    }

    /** Builds a term for a run. */
    @FunctionalInterface
    public interface TermFactory {
        LossTerm create(Context context) throws IOException;
    }

    /** The terms every objective computes (for the log), whatever their weight. */
    public static final List<String> BOX_TERMS = List.of("l1", "giou");

    private static final Map<String, TermFactory> TERMS = new TreeMap<>();

    static {
        TERMS.put("l1", c -> new BoxTerms.L1());
        TERMS.put("giou", c -> new BoxTerms.Giou());
        TERMS.put("presence", c -> {
            if (!c.model().presenceHead()) {
                throw new ConfigException("loss.presence trains the presence head, and the model has none "
                        + "(model.json: presence_head)");
            }
            return new PresenceTerm();
        });
    }

    private Objectives() {
    }

    /** Registers a loss term under a name (a plugin's, or a test's). */
    public static synchronized void registerTerm(String name, TermFactory factory) {
        TERMS.put(name, factory);
    }

    /** @return the known term names */
    public static List<String> termNames() {
        TrainingPlugin.loadAll();
        synchronized (Objectives.class) {
            return List.copyOf(TERMS.keySet());
        }
    }

    /**
     * @param weights each term's weight by name; a term of weight 0 is left out, except the box terms, which are
     *     always computed for the log
     * @param context what the terms may need
     * @return the objective: the box terms first, then the others in the order given
     * @throws ConfigException for an unknown term or a negative weight
     */
    public static Criterion create(Map<String, Double> weights, Context context) throws IOException {
        TrainingPlugin.loadAll();
        Map<String, LossTerm> terms = new LinkedHashMap<>();
        for (String name : BOX_TERMS) {
            terms.put(name, factory(name).create(context));
        }
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            if (!(e.getValue() >= 0)) {
                throw new ConfigException("loss." + e.getKey() + ": a weight must not be negative, got "
                        + e.getValue());
            }
            if (e.getValue() > 0 && !terms.containsKey(e.getKey())) {
                terms.put(e.getKey(), factory(e.getKey()).create(context));
            }
        }
        return new Criterion(terms, weights);
    }

    /** @return the reference objective: {@code l1Weight * l1 + giouWeight * giou} */
    public static Criterion boxLoss(double l1Weight, double giouWeight) {
        Map<String, LossTerm> terms = new LinkedHashMap<>();
        terms.put("l1", new BoxTerms.L1());
        terms.put("giou", new BoxTerms.Giou());
        return new Criterion(terms, Map.of("l1", l1Weight, "giou", giouWeight));
    }

    private static synchronized TermFactory factory(String name) {
        TermFactory f = TERMS.get(name);
        if (f == null) {
            throw new ConfigException("loss: unknown term '" + name + "'; known: " + String.join(", ",
                    TERMS.keySet()));
        }
        return f;
    }
}
