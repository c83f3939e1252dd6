package io.rsground.data.pseudo;

import io.rsground.data.synth.GridRegion;
import io.rsground.data.synth.NamedColour;
import io.rsground.data.synth.Referring;
import io.rsground.data.synth.Referring.Superlative;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * What a pseudo-expression says about its object: its class, and either template attributes (colour, a superlative
 * among its class, grid region) or a relation to an anchor object. {@link #text()} writes it, in the plain words
 * or, with a wording drawn at planning, in one of the several ways people say each part.
 *
 * @param source the kind of expression
 * @param className the class label as the data writes it
 * @param classWords the class in words ({@link ClassWords})
 * @param colour the colour named, or {@code null}
 * @param colourWord the colour's words ("red", "dark blue"), or {@code null} with no colour
 * @param extreme largest, smallest, leftmost, ... of its class, or {@code null}
 * @param region the 3x3 grid cell its centre lies in, or {@code null}
 * @param direction where it lies relative to the anchor, or {@code null} without anchor
 * @param anchor the object it is placed by, as a class with an optional colour, or {@code null}
 * @param wording 0 for the plain words; any other value seeds the choice among each part's wordings
 */
public record PseudoExpression(Source source, String className, String classWords, NamedColour colour,
        String colourWord, Extreme extreme, GridRegion region, Direction direction, PseudoExpression anchor,
        long wording) {

    /** How expressions are worded. */
    public enum Wording {
        /** one wording per attribute, superlatives of size only: {@code the largest white storage tank} */
        PLAIN,
        /**
         * also the superlatives of position (leftmost, uppermost, ...), and each part in one of the ways people say
         * it: "biggest", "the storage tank that is bigger than the others", "in the upper left corner", "located at
         * the top", "beside", "a white ship"
         */
        VARIED;

        /**
         * @param word {@code plain} or {@code varied}
         * @return the wording
         * @throws IllegalArgumentException for another word
         */
        public static Wording of(String word) {
            try {
                return valueOf(word.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown wording '" + word + "'; expected plain or varied", e);
            }
        }
    }

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

    /** Superlatives among the objects of a class: of size, and (varied wording only) of position. */
    public enum Extreme {
        LARGEST(Superlative.LARGEST, "large"), SMALLEST(Superlative.SMALLEST, "small"),
        LEFTMOST(Superlative.LEFTMOST), RIGHTMOST(Superlative.RIGHTMOST), TOPMOST(Superlative.TOPMOST),
        BOTTOMMOST(Superlative.BOTTOMMOST);

        private final Superlative superlative;
        private final List<String> prefixes;

        Extreme(Superlative superlative, String... adjectives) {
            this.superlative = superlative;
            this.prefixes = Stream.concat(superlative.prefixes().stream(),
                    Arrays.stream(adjectives)).toList();
        }

        /** @return the plain word: {@code largest}, {@code smallest}, {@code leftmost}, ..., {@code lowest} */
        public String word() {
            return prefixes.get(0);
        }

        /** @return whether it compares sizes */
        public boolean isSize() {
            return superlative.isSize();
        }

        /** @return the words written before the class, the first being the plain one */
        List<String> prefixes() {
            return prefixes;
        }

        /** @return the clauses written after the expression ("that is bigger than the others") */
        List<String> clauses() {
            return superlative.clauses();
        }
    }

    /** Where an object lies relative to its anchor (image axes, y pointing down). */
    public enum Direction {
        LEFT_OF(List.of("to the left of", "left of")), RIGHT_OF(List.of("to the right of", "right of")),
        ABOVE(List.of("above")), BELOW(List.of("below")), NEXT_TO(Referring.NEXT_TO_WORDS);

        private final List<String> phrases;

        Direction(List<String> phrases) {
            this.phrases = phrases;
        }

        /** @return the plain words an expression uses, e.g. {@code to the left of} */
        public String phrase() {
            return phrases.get(0);
        }

        /** @return every way of saying it, the plain one first */
        List<String> phrases() {
            return phrases;
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
        return new PseudoExpression(source, className, ClassWords.of(className), null, null, null, null, null, null,
                0);
    }

    PseudoExpression withColour(ColourMeter.Measured c) {
        return new PseudoExpression(source, className, classWords, c.colour(), c.word(), extreme, region, direction,
                anchor, wording);
    }

    PseudoExpression withExtreme(Extreme e) {
        return new PseudoExpression(source, className, classWords, colour, colourWord, e, region, direction, anchor,
                wording);
    }

    PseudoExpression withRegion(GridRegion r) {
        return new PseudoExpression(source, className, classWords, colour, colourWord, extreme, r, direction, anchor,
                wording);
    }

    PseudoExpression withAnchor(Direction d, PseudoExpression a) {
        return new PseudoExpression(source, className, classWords, colour, colourWord, extreme, region, d, a, wording);
    }

    /** @return the same content, written in the wording this number seeds (0: plain) */
    PseudoExpression withWording(long w) {
        return new PseudoExpression(source, className, classWords, colour, colourWord, extreme, region, direction,
                anchor, w);
    }

    /**
     * @return the expression in words, lower case. Plain: {@code the [SUPERLATIVE] [colour] CLASS [region phrase]}
     *     or {@code the CLASS RELATION the [SUPERLATIVE] [colour] ANCHOR-CLASS}, e.g. "the largest white storage
     *     tank", "the red vehicle on the lower left", "the ship to the left of the harbor". Varied: the same parts
     *     in other words, a superlative possibly as a closing clause ("the vehicle on the far left"), a region
     *     possibly after "located", an expression with a colour and without superlative or relation possibly opening
     *     with "a" or "an"
     */
    public String text() {
        StringBuilder sb = new StringBuilder();
        write(sb, wording == 0 ? null : new SplittableRandom(wording), true);
        return sb.toString();
    }

    /**
     * Writes the expression; {@code words} picks the wordings, plain when {@code null}. An anchor ({@code head}
     * false) takes neither a closing clause nor "a", which would read as part of, or another, object.
     */
    private void write(StringBuilder sb, SplittableRandom words, boolean head) {
        boolean clause = words != null && extreme != null && head && words.nextInt(2) == 0
                && (extreme.isSize() || region == null);
        if (extreme != null && !clause) {
            sb.append("the ").append(pick(words, extreme.prefixes())).append(' ');
        } else {
            boolean indefinite = words != null && head && extreme == null && anchor == null && colour != null
                    && words.nextInt(6) == 0;
            sb.append(!indefinite ? "the " : "aeiou".indexOf(colourWord.charAt(0)) >= 0 ? "an " : "a ");
        }
        if (colour != null) {
            sb.append(colourWord).append(' ');
        }
        sb.append(classWords);
        if (region != null) {
            sb.append(words != null && words.nextInt(4) == 0 ? " located " : " ")
                    .append(pick(words, region.phrases()));
        }
        if (anchor != null) {
            sb.append(' ').append(pick(words, direction.phrases())).append(' ');
            anchor.write(sb, words, false);
        }
        if (clause) {
            sb.append(' ').append(pick(words, extreme.clauses()));
        }
    }

    /** @return the first (plain) word without a random source, else one drawn from it */
    private static String pick(SplittableRandom words, List<String> options) {
        return words == null || options.size() == 1 ? options.get(0) : options.get(words.nextInt(options.size()));
    }
}
