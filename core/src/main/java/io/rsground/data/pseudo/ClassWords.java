package io.rsground.data.pseudo;

import java.util.Locale;
import java.util.Map;

/**
 * The words an expression uses for a class label: DIOR's glued and hyphenated names ({@code storagetank},
 * {@code Expressway-Service-area}), DOTA's hyphenated ones ({@code large-vehicle}) and COCO-style names become
 * lower-case words separated by single spaces ("storage tank", "expressway service area", "large vehicle").
 */
public final class ClassWords {

    /** DIOR's names written as one word, and their words. */
    private static final Map<String, String> GLUED = Map.ofEntries(
            Map.entry("storagetank", "storage tank"),
            Map.entry("baseballfield", "baseball field"),
            Map.entry("basketballcourt", "basketball court"),
            Map.entry("tenniscourt", "tennis court"),
            Map.entry("groundtrackfield", "ground track field"),
            Map.entry("golffield", "golf field"),
            Map.entry("trainstation", "train station"),
            Map.entry("expresswayservicearea", "expressway service area"),
            Map.entry("expresswaytollstation", "expressway toll station"),
            Map.entry("swimmingpool", "swimming pool"),
            Map.entry("soccerballfield", "soccer ball field"),
            Map.entry("containercrane", "container crane"),
            Map.entry("baseballdiamond", "baseball diamond"));

    private ClassWords() {
    }

    /**
     * @param label a class label as the data writes it
     * @return its words, lower case, single spaces, e.g. {@code storage tank}
     */
    public static String of(String label) {
        String spaced = label.strip()
                .replaceAll("([a-z])([A-Z])", "$1 $2") // camelCase
                .replaceAll("[-_\\s]+", " ")
                .toLowerCase(Locale.ROOT);
        String glued = GLUED.get(spaced.replace(" ", ""));
        return glued != null ? glued : spaced;
    }
}
