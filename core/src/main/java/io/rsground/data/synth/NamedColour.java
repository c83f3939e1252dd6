package io.rsground.data.synth;

import java.awt.Color;
import java.util.Locale;

/** The colours scene objects are painted in, each with the word expressions use for it. */
public enum NamedColour {
    WHITE(232, 232, 226),
    GRAY(128, 130, 132),
    BLACK(34, 35, 38),
    RED(178, 42, 36),
    BLUE(38, 78, 168),
    GREEN(58, 128, 62),
    YELLOW(222, 190, 48),
    ORANGE(226, 118, 36);

    private final Color rgb;

    NamedColour(int r, int g, int b) {
        this.rgb = new Color(r, g, b);
    }

    /** @return the word used in expressions, e.g. {@code gray} */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the reference colour objects are painted in (before per-object jitter and shading) */
    public Color rgb() {
        return rgb;
    }

    /**
     * @param word a colour word as {@link #word()} gives it
     * @return the colour
     * @throws IllegalArgumentException for an unknown word
     */
    public static NamedColour ofWord(String word) {
        return valueOf(word.toUpperCase(Locale.ROOT));
    }
}
