package io.rsground.data.pseudo;

import io.rsground.box.Box;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The test's own reading of a pseudo-expression and its own rules, written from the grammar in docs/pseudo.md
 * without the planner's code: what the words say, and which annotated objects fit them.
 */
final class ExpressionReading {

    static final List<String> COLOURS = List.of("white", "gray", "black", "red", "blue", "green", "yellow", "orange");
    private static final List<String> RELATIONS = List.of("to the left of", "to the right of", "above", "below",
            "next to");

    /** An annotated object with the colour the generator painted it in (null when unknown). */
    record Truth(String className, Box box, String colour) {
    }

    /**
     * @param extreme "largest", "smallest" or null
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
        if (!text.startsWith("the ")) {
            throw new AssertionError("'" + text + "' does not start with 'the '");
        }
        String rest = text.substring(4);
        for (String r : RELATIONS) {
            int at = rest.indexOf(" " + r + " the ");
            if (at > 0) {
                Parts head = parse("the " + rest.substring(0, at), classes);
                Parts anchor = parse(rest.substring(at + r.length() + 2), classes);
                return new Parts(head.extreme(), head.colour(), head.className(), head.column(), head.row(), r,
                        anchor);
            }
        }
        String extreme = null;
        for (String e : List.of("largest ", "smallest ")) {
            if (rest.startsWith(e)) {
                extreme = e.trim();
                rest = rest.substring(e.length());
            }
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
        String position = rest.substring(cls.length()).trim().toLowerCase(Locale.ROOT);
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
            double so = Math.sqrt(o.box().area());
            if (kept.stream().allMatch(q -> q == o || (p.extreme().equals("largest")
                    ? so >= 1.25 * Math.sqrt(q.box().area()) : so * 1.25 <= Math.sqrt(q.box().area())))) {
                best.add(o);
            }
        }
        return best;
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
