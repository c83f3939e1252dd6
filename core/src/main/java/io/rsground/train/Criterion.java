package io.rsground.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.rsground.data.Batch;
import io.rsground.model.ClipVgModel;
import io.rsground.model.Nn;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training objective as named terms with a weight each (DETR's {@code SetCriterion} with its
 * {@code weight_dict}): the total is {@code sum(weight * term)} in the order the terms were given, and every term's
 * unweighted value goes to the log under its name.
 */
public final class Criterion implements TrainingObjective {
    private final Map<String, LossTerm> terms;
    private final Map<String, Double> weights;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    /**
     * @param terms the terms by name, in summation order
     * @param weights each term's weight (a term without one weighs 0: computed for the log only)
     */
    public Criterion(Map<String, LossTerm> terms, Map<String, Double> weights) {
        this.terms = new LinkedHashMap<>(terms);
        this.weights = Map.copyOf(weights);
        if (terms.isEmpty()) {
            throw new IllegalArgumentException("an objective needs at least one term");
        }
    }

    @Override
    public ClipVgModel.Detail detail() {
        ClipVgModel.Detail most = ClipVgModel.Detail.BOXES;
        for (LossTerm t : terms.values()) {
            if (t.detail().compareTo(most) > 0) {
                most = t.detail();
            }
        }
        return most;
    }

    @Override
    public boolean needsAbsentQueries() {
        return terms.values().stream().anyMatch(LossTerm::needsAbsentQueries);
    }

    @Override
    public void initialize(NDManager manager) {
        for (LossTerm t : terms.values()) {
            t.initialize(manager);
            t.parameters().forEach((name, p) -> {
                if (parameters.put(name, p) != null) {
                    throw new IllegalArgumentException("two terms name a parameter '" + name + "'");
                }
            });
        }
    }

    @Override
    public Map<String, Parameter> parameters() {
        return parameters;
    }

    @Override
    public Loss compute(ClipVgModel model, ClipVgModel.Output out, NDArray targetBoxes, Batch batch) {
        LossTerm.Inputs inputs = new LossTerm.Inputs(model, out, targetBoxes, batch);
        Map<String, Double> log = new LinkedHashMap<>();
        NDArray total = null;
        for (Map.Entry<String, LossTerm> e : terms.entrySet()) {
            Map<String, Double> extra = new LinkedHashMap<>();
            NDArray value = e.getValue().compute(inputs, extra);
            log.put(e.getKey(), (double) value.getFloat());
            log.putAll(extra);
            NDArray weighted = Nn.scale(value, weights.getOrDefault(e.getKey(), 0.0));
            total = total == null ? weighted : total.add(weighted);
        }
        return new Loss(total, log);
    }

    @Override
    public void close() {
        terms.values().forEach(LossTerm::close);
    }
}
