package io.rsground.weights;

import java.util.ArrayList;
import java.util.List;

/** Weights that do not fit the model: every missing, unexpected and mis-shaped tensor, reported at once. */
public class WeightMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> missing;
    private final transient List<String> unexpected;
    private final transient List<String> misShaped;

    public WeightMismatchException(String source, List<String> missing, List<String> unexpected,
            List<String> misShaped) {
        super(message(source, missing, unexpected, misShaped));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.misShaped = List.copyOf(misShaped);
    }

    /** @return names the model needs that the weights lack */
    public List<String> missing() {
        return missing;
    }

    /** @return names in the weights the model does not know */
    public List<String> unexpected() {
        return unexpected;
    }

    /** @return "name: model [..], weights [..]" for every tensor whose shape differs */
    public List<String> misShaped() {
        return misShaped;
    }

    private static String message(String source, List<String> missing, List<String> unexpected,
            List<String> misShaped) {
        List<String> parts = new ArrayList<>();
        if (!misShaped.isEmpty()) {
            parts.add(misShaped.size() + " mis-shaped: " + String.join("; ", misShaped));
        }
        if (!missing.isEmpty()) {
            parts.add(missing.size() + " missing: " + String.join(", ", missing));
        }
        if (!unexpected.isEmpty()) {
            parts.add(unexpected.size() + " unexpected: " + String.join(", ", unexpected));
        }
        return "weights " + source + " do not fit the model: " + String.join(" | ", parts);
    }
}
