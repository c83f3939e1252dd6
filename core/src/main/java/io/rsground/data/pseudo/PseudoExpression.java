package io.rsground.data.pseudo;

import io.rsground.data.synth.GridRegion;
import io.rsground.data.synth.NamedColour;
import java.util.Locale;
import java.util.Objects;

/**
 * What a pseudo-expression says about its object: its class, and either template attributes (colour, size
 * superlative among its class, grid region) or a relation to an anchor object. {@link #text()} writes it.
 *
 * @param source the kind of expression
 * @param className the class label as the data writes it
 * @param classWords the class in words ({@link ClassWords})
 * @param colour the colour named, or {@code null}
 * @param colourWord the colour's words ("red", "dark blue"), or {@code null} with no colour
 * @param extreme largest or smallest of its class, or {@code null}
 * @param region the 3x3 grid cell its centre lies in, or {@code null}
 * @param direction where it lies relative to the anchor, or {@code null} without anchor
 * @param anchor the object it is placed by, as a class with an optional colour, or {@code null}
 */
public record PseudoExpression(Source source, String className, String classWords, NamedColour colour,
        String colourWord, Extreme extreme, GridRegion region, Direction direction, PseudoExpression anchor) {

    /** Where an expression comes from. */
    public enum Source {
        /** class, colour, size among its class, absolute position */
        TEMPLATE,
        /** the nearest object of another class and where this one lies relative to it */
        RELATION;

        /** @return the name written in the output, {@code template} or {@code relation} */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @param word {@code template} or {@code relation}
         * @return the source
         * @throws IllegalArgumentException for another word
         */
        public static Source of(String word) {
            try {
                return valueOf(word.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown pseudo-label source '" + word
                        + "'; expected template or relation", e);
            }
        }
    }

    /** Size superlatives among the objects of a class. */
    public enum Extreme {
        LARGEST, SMALLEST;

        /** @return {@code largest} or {@code smallest} */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where an object lies relative to its anchor (image axes, y pointing down). */
    public enum Direction {
        LEFT_OF("to the left of"), RIGHT_OF("to the right of"), ABOVE("above"), BELOW("below"), NEXT_TO("next to");

        private final String phrase;

        Direction(String phrase) {
            this.phrase = phrase;
        }

        /** @return the words an expression uses, e.g. {@code to the left of} */
        public String phrase() {
            return phrase;
        }
    }

    /** Checks the class is given, a colour comes with its words and a direction with its anchor. */
    public PseudoExpression {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(classWords, "classWords");
        if ((colour == null) != (colourWord == null)) {
            throw new IllegalArgumentException("colour and colourWord come together");
        }
        if ((direction == null) != (anchor == null)) {
            throw new IllegalArgumentException("direction and anchor come together");
        }
    }

    /** @return an expression naming only the class */
    static PseudoExpression of(Source source, String className) {
        return new PseudoExpression(source, className, ClassWords.of(className), null, null, null, null, null, null);
    }

    PseudoExpression withColour(ColourMeter.Measured c) {
        return new PseudoExpression(source, className, classWords, c.colour(), c.word(), extreme, region, direction,
                anchor);
    }

    PseudoExpression withExtreme(Extreme e) {
        return new PseudoExpression(source, className, classWords, colour, colourWord, e, region, direction, anchor);
    }

    PseudoExpression withRegion(GridRegion r) {
        return new PseudoExpression(source, className, classWords, colour, colourWord, extreme, r, direction, anchor);
    }

    PseudoExpression withAnchor(Direction d, PseudoExpression a) {
        return new PseudoExpression(source, className, classWords, colour, colourWord, extreme, region, d, a);
    }

    /**
     * @return the expression in words, lower case: {@code the [largest|smallest] [colour] CLASS [region phrase]}
     *     or {@code the CLASS RELATION the [colour] ANCHOR-CLASS}, e.g. "the largest white storage tank",
     *     "the red vehicle on the lower left", "the ship to the left of the harbor"
     */
    public String text() {
        StringBuilder sb = new StringBuilder("the ");
        if (extreme != null) {
            sb.append(extreme.word()).append(' ');
        }
        if (colour != null) {
            sb.append(colourWord).append(' ');
        }
        sb.append(classWords);
        if (region != null) {
            sb.append(' ').append(region.phrases().get(0));
        }
        if (anchor != null) {
            sb.append(' ').append(direction.phrase()).append(' ').append(anchor.text());
        }
        return sb.toString();
    }
}
