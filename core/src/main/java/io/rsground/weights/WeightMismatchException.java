package io.rsground.weights;

import java.util.ArrayList;
import java.util.List;

/** Weights that do not fit the model: every missing, unexpected and mis-shaped tensor, reported at once. */
public class WeightMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient List<String> missing;
    private final transient List<String> unexpected;
    private final transient List<String> misShaped;
    private final String source;

    public WeightMismatchException(String source, List<String> missing, List<String> unexpected,
            List<String> misShaped) {
        super(message(source, missing, unexpected, misShaped));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.misShaped = List.copyOf(misShaped);
        this.source = source;
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

    /**
     * @param perKind how many names of each kind to show
     * @return a one-line summary: the counts and the first names of each kind
     */
    public String summary(int perKind) {
        List<String> parts = new ArrayList<>();
        add(parts, "mis-shaped", misShaped, perKind, "; ");
        add(parts, "missing", missing, perKind, ", ");
        add(parts, "unexpected", unexpected, perKind, ", ");
        String hint = misShaped.size() + missing.size() > 8 ? " (the weights look like another architecture: check "
                + "--preset / --model-config)" : "";
        return "weights " + source + " do not fit the model" + hint + ": " + String.join(" | ", parts);
    }

    private static void add(List<String> parts, String kind, List<String> names, int max, String sep) {
        if (!names.isEmpty()) {
            String shown = String.join(sep, names.subList(0, Math.min(max, names.size())));
            parts.add(names.size() + " " + kind + ": " + shown + (names.size() > max ? sep + "..." : ""));
        }
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
