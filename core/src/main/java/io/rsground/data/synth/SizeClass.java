package io.rsground.data.synth;

import java.util.Locale;

/** An object's size relative to the range of its class: the lower, middle and upper third of that range. */
public enum SizeClass {
    SMALL, MEDIUM, LARGE;

    /** @return the adjective used in expressions: {@code small}, {@code medium} or {@code large} */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param fraction where the size lies in its class's range, 0 (smallest) to 1 (largest)
     * @return the third it falls in
     */
    public static SizeClass of(double fraction) {
        return fraction < 1.0 / 3 ? SMALL : fraction < 2.0 / 3 ? MEDIUM : LARGE;
    }
}
