package io.rsground.data.synth;

import io.rsground.data.synth.Referring.Superlative;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Reads an expression's text back into what it says, independently of the writer's code paths: every phrase is looked
 * up in fixed tables, and the text must be used up exactly (no leftover words), else the parse fails.
 */
final class ExpressionParser {

    private static final List<String> RELATIONS = List.of(" next to the ", " beside the ", " near the ",
            " close to the ");
    private static final Map<String, Superlative> PREFIXES = Map.of("largest", Superlative.LARGEST,
            "biggest", Superlative.LARGEST, "smallest", Superlative.SMALLEST, "leftmost", Superlative.LEFTMOST,
            "rightmost", Superlative.RIGHTMOST, "uppermost", Superlative.TOPMOST, "lowest", Superlative.BOTTOMMOST);
    private static final Map<String, Superlative> CLAUSES = Map.ofEntries(
            Map.entry("that is bigger than the others", Superlative.LARGEST),
            Map.entry("that is larger than the others", Superlative.LARGEST),
            Map.entry("that is smaller than the others", Superlative.SMALLEST),
            Map.entry("smaller than the others", Superlative.SMALLEST),
            Map.entry("on the far left", Superlative.LEFTMOST), Map.entry("farthest to the left", Superlative.LEFTMOST),
            Map.entry("on the far right", Superlative.RIGHTMOST),
            Map.entry("farthest to the right", Superlative.RIGHTMOST),
            Map.entry("nearest the top edge", Superlative.TOPMOST),
            Map.entry("closest to the top edge", Superlative.TOPMOST),
            Map.entry("nearest the bottom edge", Superlative.BOTTOMMOST),
            Map.entry("closest to the bottom edge", Superlative.BOTTOMMOST));
    private static final Map<String, GridRegion> REGIONS = Map.ofEntries(
            Map.entry("on the upper left", GridRegion.UPPER_LEFT),
            Map.entry("in the upper left corner", GridRegion.UPPER_LEFT),
            Map.entry("at the top left", GridRegion.UPPER_LEFT), Map.entry("at the top", GridRegion.TOP),
            Map.entry("in the upper part", GridRegion.TOP), Map.entry("at the top of the image", GridRegion.TOP),
            Map.entry("on the upper right", GridRegion.UPPER_RIGHT),
            Map.entry("in the upper right corner", GridRegion.UPPER_RIGHT),
            Map.entry("at the top right", GridRegion.UPPER_RIGHT), Map.entry("on the left", GridRegion.LEFT),
            Map.entry("on the left side", GridRegion.LEFT), Map.entry("at the left edge", GridRegion.LEFT),
            Map.entry("in the middle", GridRegion.MIDDLE), Map.entry("in the center", GridRegion.MIDDLE),
            Map.entry("in the middle of the image", GridRegion.MIDDLE), Map.entry("on the right", GridRegion.RIGHT),
            Map.entry("on the right side", GridRegion.RIGHT), Map.entry("at the right edge", GridRegion.RIGHT),
            Map.entry("on the lower left", GridRegion.LOWER_LEFT),
            Map.entry("in the lower left corner", GridRegion.LOWER_LEFT),
            Map.entry("at the bottom left", GridRegion.LOWER_LEFT), Map.entry("at the bottom", GridRegion.BOTTOM),
            Map.entry("in the lower part", GridRegion.BOTTOM), Map.entry("at the bottom of the image", GridRegion.BOTTOM),
            Map.entry("on the lower right", GridRegion.LOWER_RIGHT),
            Map.entry("in the lower right corner", GridRegion.LOWER_RIGHT),
            Map.entry("at the bottom right", GridRegion.LOWER_RIGHT));
    private static final Map<String, NamedColour> COLOURS = Map.of("white", NamedColour.WHITE, "gray",
            NamedColour.GRAY, "black", NamedColour.BLACK, "red", NamedColour.RED, "blue", NamedColour.BLUE, "green",
            NamedColour.GREEN, "yellow", NamedColour.YELLOW, "orange", NamedColour.ORANGE);

    private ExpressionParser() {
    }

    /** @throws IllegalArgumentException when the text is not fully understood */
    static Referring parse(String text) {
        String main = text;
        Referring anchor = null;
        for (String rel : RELATIONS) {
            int at = main.indexOf(rel);
            if (at >= 0) {
                anchor = nounPhrase(main.substring(at + rel.length()), text);
                main = main.substring(0, at);
                break;
            }
        }
        Superlative superlative = null;
        for (String clause : longestFirst(CLAUSES.keySet())) {
            if (main.endsWith(" " + clause)) {
                superlative = CLAUSES.get(clause);
                main = main.substring(0, main.length() - clause.length() - 1);
                break;
            }
        }
        GridRegion region = null;
        for (String phrase : longestFirst(REGIONS.keySet())) {
            for (String lead : List.of(" located ", " ")) {
                if (region == null && main.endsWith(lead + phrase)) {
                    region = REGIONS.get(phrase);
                    main = main.substring(0, main.length() - phrase.length() - lead.length());
                }
            }
        }
        if (main.startsWith("the ")) {
            main = main.substring(4);
        } else if (main.startsWith("a ") && superlative == null) {
            main = main.substring(2);
        } else {
            throw new IllegalArgumentException("no determiner in '" + text + "'");
        }
        String first = main.contains(" ") ? main.substring(0, main.indexOf(' ')) : main;
        if (PREFIXES.containsKey(first)) {
            if (superlative != null) {
                throw new IllegalArgumentException("two superlatives in '" + text + "'");
            }
            superlative = PREFIXES.get(first);
            main = main.substring(first.length() + 1);
        }
        SizeClass size = null;
        if (main.startsWith("large ")) {
            size = SizeClass.LARGE;
            main = main.substring(6);
        } else if (main.startsWith("small ")) {
            size = SizeClass.SMALL;
            main = main.substring(6);
        }
        Referring np = nounPhrase(main, text);
        return new Referring(np.sceneClass(), np.colour(), size, region, superlative, anchor);
    }

    private static Referring nounPhrase(String s, String text) {
        NamedColour colour = null;
        String first = s.contains(" ") ? s.substring(0, s.indexOf(' ')) : s;
        if (COLOURS.containsKey(first)) {
            colour = COLOURS.get(first);
            s = s.substring(first.length() + 1);
        }
        for (SceneClass c : SceneClass.values()) {
            if (c.diorName().equals(s)) {
                return new Referring(c, colour, null, null, null, null);
            }
        }
        throw new IllegalArgumentException("'" + s + "' is not a class name, in '" + text + "'");
    }

    private static List<String> longestFirst(java.util.Collection<String> phrases) {
        List<String> l = new ArrayList<>(phrases);
        l.sort(Comparator.comparingInt(String::length).reversed());
        return l;
    }
}
