package io.rsground.data.pseudo;

import io.rsground.data.pseudo.PseudoExpression.Source;

/** Why an object got no expression of a source; {@link #description()} says it in words. */
public enum SkipReason {
    TEMPLATE_AMBIGUOUS(Source.TEMPLATE, "other objects of its class share every attribute that could tell it apart"),
    TEMPLATE_NO_COLOUR(Source.TEMPLATE, "other objects of its class share its position and size, and its colour is "
            + "not measured (no colour dominates its centre, or its class is not named by colour)"),
    RELATION_NO_OTHER_CLASS(Source.RELATION, "no object of another class in the image"),
    RELATION_TOO_FAR(Source.RELATION, "every object of another class lies beyond the reach"),
    RELATION_ANCHOR_AMBIGUOUS(Source.RELATION, "the nearest objects of other classes within reach cannot be named alone"),
    RELATION_UNCLEAR(Source.RELATION, "it lies diagonally from the nearest object of another class, not close"),
    RELATION_RIVAL(Source.RELATION, "another object of its class lies near the anchor on the same side"),
    PER_IMAGE_LIMIT(null, "the image had more expressions than --per-image");

    private final Source source;
    private final String description;

    SkipReason(Source source, String description) {
        this.source = source;
        this.description = description;
    }

    /** @return the source the reason belongs to, or {@code null} for a reason of any source */
    public Source source() {
        return source;
    }

    /** @return what the reason means, for summaries */
    public String description() {
        return description;
    }
}
