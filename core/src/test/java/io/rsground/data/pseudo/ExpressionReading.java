package io.rsground.data.pseudo;

import io.rsground.box.Box;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The test's own reading of a pseudo-expression and its own rules, written from the grammar in docs/pseudo.md
 * without the planner's code: what the words say, and which annotated objects fit them.
 */
final class ExpressionReading {

    static final List<String> COLOURS = List.of("white", "gray", "black", "red", "blue", "green", "yellow", "orange");
    /** Longest first, so that "left of" is not found inside "to the left of". */
    private static final List<String> RELATIONS = List.of("to the right of", "to the left of", "right of", "left of",
            "close to", "next to", "beside", "above", "below", "near");
    /** The words before the class, and the superlative each says. */
    private static final Map<String, String> PREFIXES = Map.of("largest", "largest", "biggest", "largest", "large",
            "largest", "smallest", "smallest", "small", "smallest", "leftmost", "leftmost", "rightmost", "rightmost",
            "uppermost", "uppermost", "lowest", "lowest");
    /** The closing clauses, and the superlative each says. */
    private static final Map<String, String> CLAUSES = Map.ofEntries(
            Map.entry("that is bigger than the others", "largest"), Map.entry("that is larger than the others",
                    "largest"), Map.entry("that is smaller than the others", "smallest"),
            Map.entry("smaller than the others", "smallest"), Map.entry("on the far left", "leftmost"),
            Map.entry("farthest to the left", "leftmost"), Map.entry("on the far right", "rightmost"),
            Map.entry("farthest to the right", "rightmost"), Map.entry("nearest the top edge", "uppermost"),
            Map.entry("closest to the top edge", "uppermost"), Map.entry("nearest the bottom edge", "lowest"),
            Map.entry("closest to the bottom edge", "lowest"));

    /** An annotated object with the colour the generator painted it in (null when unknown). */
    record Truth(String className, Box box, String colour) {
    }

    /**
     * @param extreme "largest", "smallest", "leftmost", "rightmost", "uppermost", "lowest" or null
     * @param colour the colour word (without dark/light), or null
     * @param className the class words
     * @param column the named grid column 0..2, or -1 without a position
     * @param row the named grid row 0..2, or -1
     * @param relation the relation phrase, or null
     * @param anchor the anchor's reading, or null
     */
    record Parts(String extreme, String colour, String className, int column, int row, String relation,
            Parts anchor) {
    }

    private ExpressionReading() {
    }

    static Parts parse(String text, Set<String> classes) {
        if (!text.startsWith("the ") && !text.startsWith("a ") && !text.startsWith("an ")) {
            throw new AssertionError("'" + text + "' does not start with 'the ', 'a ' or 'an '");
        }
        String rest = text.substring(text.indexOf(' ') + 1);
        for (String r : RELATIONS) {
            int at = rest.indexOf(" " + r + " the ");
            if (at > 0) {
                Parts head = parse("the " + rest.substring(0, at), classes);
                Parts anchor = parse(rest.substring(at + r.length() + 2), classes);
                return new Parts(head.extreme(), head.colour(), head.className(), head.column(), head.row(),
                        relationMeaning(r), anchor);
            }
        }
        String extreme = null;
        // longest first: "smaller than the others" ends "that is smaller than the others" too
        List<String> clauses = CLAUSES.keySet().stream().sorted((a, b) -> b.length() - a.length()).toList();
        for (String c : clauses) {
            if (rest.endsWith(" " + c)) {
                extreme = CLAUSES.get(c);
                rest = rest.substring(0, rest.length() - c.length() - 1);
                break;
            }
        }
        String first = rest.substring(0, Math.max(0, rest.indexOf(' ')));
        if (PREFIXES.containsKey(first)) {
            extreme = PREFIXES.get(first);
            rest = rest.substring(first.length() + 1);
        }
        for (String m : List.of("dark ", "light ")) {
            if (rest.startsWith(m)) {
                rest = rest.substring(m.length());
            }
        }
        String colour = null;
        for (String c : COLOURS) {
            if (rest.startsWith(c + " ")) {
                colour = c;
                rest = rest.substring(c.length() + 1);
            }
        }
        String words = rest;
        String cls = classes.stream().filter(c -> words.equals(c) || words.startsWith(c + " "))
                .max((a, b) -> a.length() - b.length())
                .orElseThrow(() -> new AssertionError("no class in '" + text + "'"));
        String position = rest.substring(cls.length()).trim().toLowerCase(Locale.ROOT).replaceFirst("^located ", "");
        int column = -1;
        int row = -1;
        if (!position.isEmpty()) {
            column = position.contains("left") ? 0 : position.contains("right") ? 2 : 1;
            row = position.contains("upper") || position.contains("top") ? 0
                    : position.contains("lower") || position.contains("bottom") ? 2 : 1;
        }
        return new Parts(extreme, colour, cls, column, row, null, null);
    }

    /** @return the objects of the image the reading fits, by the rules of docs/pseudo.md */
    static List<Truth> fitting(Parts p, List<Truth> objects, int width, int height) {
        double side = Math.min(width, height);
        Truth anchor = null;
        if (p.anchor() != null) {
            List<Truth> a = fitting(p.anchor(), objects, width, height);
            if (a.size() != 1) {
                return List.of();
            }
            anchor = a.get(0);
        }
        List<Truth> kept = new ArrayList<>();
        for (Truth o : objects) {
            if (!o.className().equals(p.className()) || o == anchor
                    || p.colour() != null && !p.colour().equals(o.colour())
                    || p.column() >= 0 && ((int) (3 * o.box().cx() / width) != p.column()
                            || (int) (3 * o.box().cy() / height) != p.row())
                    || anchor != null && !related(p.relation(), o.box(), anchor.box(), side)) {
                continue;
            }
            kept.add(o);
        }
        if (p.extreme() == null) {
            return kept;
        }
        List<Truth> best = new ArrayList<>();
        for (Truth o : kept) {
            if (kept.stream().allMatch(q -> q == o || beats(p.extreme(), o.box(), q.box(), side))) {
                best.add(o);
            }
        }
        return best;
    }

    /** @return whether box {@code o} beats box {@code q} on the superlative, by the rules' margins */
    private static boolean beats(String extreme, Box o, Box q, double side) {
        double so = Math.sqrt(o.area());
        double sq = Math.sqrt(q.area());
        double lead = 0.06 * side;
        return switch (extreme) {
            case "largest" -> so >= 1.25 * sq;
            case "smallest" -> so * 1.25 <= sq;
            case "leftmost" -> o.cx() + lead <= q.cx();
            case "rightmost" -> o.cx() - lead >= q.cx();
            case "uppermost" -> o.cy() + lead <= q.cy();
            case "lowest" -> o.cy() - lead >= q.cy();
            default -> throw new AssertionError("unknown superlative '" + extreme + "'");
        };
    }

    /** @return the plain phrase of a relation's wording: "beside" means "next to", "left of" "to the left of" */
    private static String relationMeaning(String words) {
        return switch (words) {
            case "close to", "beside", "near" -> "next to";
            case "left of" -> "to the left of";
            case "right of" -> "to the right of";
            default -> words;
        };
    }

    static boolean related(String relation, Box o, Box a, double side) {
        double dx = Math.max(0, Math.max(o.x1() - a.x2(), a.x1() - o.x2()));
        double dy = Math.max(0, Math.max(o.y1() - a.y2(), a.y1() - o.y2()));
        double gap = Math.hypot(dx, dy);
        double cx = o.cx() - a.cx();
        double cy = o.cy() - a.cy();
        return switch (relation) {
            case "next to" -> gap <= 0.05 * side;
            case "to the left of" -> gap <= 0.25 * side && cx < 0 && -cx >= Math.abs(cy);
            case "to the right of" -> gap <= 0.25 * side && cx > 0 && cx >= Math.abs(cy);
            case "above" -> gap <= 0.25 * side && cy < 0 && -cy >= Math.abs(cx);
            case "below" -> gap <= 0.25 * side && cy > 0 && cy >= Math.abs(cx);
            default -> throw new AssertionError("unknown relation '" + relation + "'");
        };
    }
}
