package io.rsground.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The optimizers the reference offers ({@code --optimizer}). */
public enum OptimizerKind {
    ADAMW, ADAM, SGD, RMSPROP;

    /** @return the kind for a name such as "adamw" (case-insensitive), or an error listing the known ones */
    public static OptimizerKind parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown optimizer '" + name + "'; known: " + Arrays.stream(values())
                    .map(k -> k.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")), e);
        }
    }

    /** @return the lower-case name used on the command line */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
