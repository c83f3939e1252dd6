package io.rsground.data.synth;

import io.rsground.data.synth.Referring.Superlative;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Turns a {@link Referring} into an English expression in the style of DIOR-RSVG, picking among several wordings at
 * random ("the gray vehicle on the lower left", "a large storage tank next to the white ship", "the airplane at the
 * top that is bigger than the others"). Every attribute of the record appears in the text and nothing else does.
 */
final class ExpressionWriter {

    private ExpressionWriter() {
    }

    /**
     * @param r the expression's content
     * @param rng the scene's random source
     * @return the expression, lower case
     */
    static String write(Referring r, SplittableRandom rng) {
        Superlative s = r.superlative();
        // "the X that is bigger than the others" or "the largest X"; a position clause after a region phrase
        // ("... on the lower left on the far left") reads badly, so those take the prefix
        boolean clause = s != null && rng.nextInt(2) == 0 && (s.isSize() || r.region() == null);
        StringBuilder sb = new StringBuilder();
        if (s != null && !clause) {
            sb.append("the ").append(pick(rng, s.prefixes())).append(' ');
        } else {
            boolean indefinite = s == null && (r.size() != null || r.colour() != null) && rng.nextInt(6) == 0;
            sb.append(indefinite ? "a " : "the ");
        }
        if (r.size() != null) {
            sb.append(r.size().word()).append(' ');
        }
        if (r.colour() != null) {
            sb.append(r.colour().word()).append(' ');
        }
        sb.append(r.sceneClass().diorName());
        if (r.region() != null) {
            List<String> phrases = r.region().phrases();
            sb.append(rng.nextInt(4) == 0 ? " located " : " ").append(phrases.get(rng.nextInt(phrases.size())));
        }
        if (r.anchor() != null) {
            Referring a = r.anchor();
            sb.append(' ').append(pick(rng, Referring.NEXT_TO_WORDS)).append(" the ");
            if (a.colour() != null) {
                sb.append(a.colour().word()).append(' ');
            }
            sb.append(a.sceneClass().diorName());
        }
        if (s != null && clause) {
            sb.append(' ').append(pick(rng, s.clauses()));
        }
        return sb.toString();
    }

    /** @return one of the words; the random source is drawn from only when there is a choice */
    private static String pick(SplittableRandom rng, List<String> options) {
        return options.size() == 1 ? options.get(0) : options.get(rng.nextInt(options.size()));
    }
}
