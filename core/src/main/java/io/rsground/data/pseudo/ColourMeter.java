package io.rsground.data.pseudo;

import io.rsground.box.Box;
import io.rsground.data.synth.NamedColour;
import java.awt.image.BufferedImage;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * Measures the colour of an object from the pixels of its box's centre (the middle half of the box in each
 * direction, so that the ground around an object and its outline weigh little): each pixel gets a named colour from
 * its hue, chroma and lightness (the colour names of {@link NamedColour}), and the object gets the colour most of
 * its central pixels have, when that colour clearly dominates. Chromatic colours are said "dark" or "light" when
 * those pixels are very dark or very light.
 */
public final class ColourMeter {

    /** The dominant colour must cover at least this share of the central pixels. */
    public static final double MIN_SHARE = 0.5;
    /** ... and at least this many times the share of the next colour. */
    public static final double MIN_LEAD = 2.0;
    /** Below this chroma ((max - min) / 255 of the RGB values) a pixel is white, gray or black. */
    static final double ACHROMATIC = 0.16;
    /** Achromatic pixels at least this light are white, at most {@link #BLACK_MAX} black, gray between. */
    static final double WHITE_MIN = 0.66;
    static final double BLACK_MAX = 0.2;
    /** Fewer central pixels than this (a box under about 8 x 8 px) give no colour: JPEG blurs them into the ground. */
    public static final int MIN_PIXELS = 16;
    private static final int MAX_SAMPLES_PER_SIDE = 64;

    /** Colours a careful measurement may still mix up: a rival of either colour could be taken for the other. */
    private static final Set<Set<NamedColour>> NEIGHBOURS = Set.of(
            Set.of(NamedColour.RED, NamedColour.ORANGE), Set.of(NamedColour.ORANGE, NamedColour.YELLOW),
            Set.of(NamedColour.WHITE, NamedColour.GRAY), Set.of(NamedColour.GRAY, NamedColour.BLACK));

    /**
     * Classes (in words) whose box centre is not their surface, so whose colour is not measured: a track field's
     * infield, a baseball field's infield, a windmill's or chimney's thin figure, and the scene-sized classes
     * (airport, harbor, dam...) whose box holds mostly other things.
     */
    public static final Set<String> NOT_BY_COLOUR = Set.of("ground track field", "baseball field",
            "baseball diamond", "windmill", "chimney", "airport", "harbor", "dam", "bridge", "overpass",
            "expressway service area", "expressway toll station", "train station", "golf field", "stadium",
            "soccer ball field", "roundabout", "container crane", "helipad");

    private ColourMeter() {
    }

    /**
     * A measured colour.
     *
     * @param colour the named colour the measurement found
     * @param word the words an expression uses, the colour's word with "dark" or "light" where they fit
     * @param share the share of the central pixels that have this colour, 0..1
     */
    public record Measured(NamedColour colour, String word, double share) {
    }

    /**
     * @param image the image, any type readable by {@code getRGB}
     * @param box the object's box, corner format {@code x1,y1,x2,y2} in pixels of that image
     * @return the object's colour, or {@code null} when no colour dominates its centre or the centre has fewer than
     *     {@link #MIN_PIXELS} pixels
     */
    public static Measured measure(BufferedImage image, Box box) {
        int x0 = (int) Math.floor(box.x1() + box.width() / 4);
        int x1 = (int) Math.ceil(box.x2() - box.width() / 4);
        int y0 = (int) Math.floor(box.y1() + box.height() / 4);
        int y1 = (int) Math.ceil(box.y2() - box.height() / 4);
        x0 = Math.max(0, x0);
        y0 = Math.max(0, y0);
        x1 = Math.min(image.getWidth(), Math.max(x1, x0 + 1));
        y1 = Math.min(image.getHeight(), Math.max(y1, y0 + 1));
        if (x0 >= x1 || y0 >= y1) {
            return null;
        }
        int stepX = Math.max(1, (x1 - x0) / MAX_SAMPLES_PER_SIDE);
        int stepY = Math.max(1, (y1 - y0) / MAX_SAMPLES_PER_SIDE);
        Map<NamedColour, Integer> counts = new EnumMap<>(NamedColour.class);
        Map<NamedColour, Double> lightness = new EnumMap<>(NamedColour.class);
        int total = 0;
        for (int y = y0; y < y1; y += stepY) {
            for (int x = x0; x < x1; x += stepX) {
                int rgb = image.getRGB(x, y);
                total++;
                NamedColour c = classify((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
                if (c != null) {
                    counts.merge(c, 1, Integer::sum);
                    lightness.merge(c, lightness((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff), Double::sum);
                }
            }
        }
        return dominant(counts, lightness, total);
    }

    private static Measured dominant(Map<NamedColour, Integer> counts, Map<NamedColour, Double> lightness,
            int total) {
        NamedColour best = null;
        int first = 0;
        int second = 0;
        for (Map.Entry<NamedColour, Integer> e : counts.entrySet()) {
            if (e.getValue() > first) {
                second = first;
                first = e.getValue();
                best = e.getKey();
            } else if (e.getValue() > second) {
                second = e.getValue();
            }
        }
        if (best == null || total < MIN_PIXELS || first < MIN_SHARE * total || first < MIN_LEAD * second) {
            return null;
        }
        double meanL = lightness.get(best) / first;
        boolean chromatic = best != NamedColour.WHITE && best != NamedColour.GRAY && best != NamedColour.BLACK;
        String word = !chromatic ? best.word() : meanL < 0.25 ? "dark " + best.word()
                : meanL > 0.7 ? "light " + best.word() : best.word();
        return new Measured(best, word, (double) first / total);
    }

    /**
     * @param r red, 0..255
     * @param g green, 0..255
     * @param b blue, 0..255
     * @return the pixel's named colour, or {@code null} for a hue no name covers (purple, pink)
     */
    public static NamedColour classify(int r, int g, int b) {
        int max = Math.max(r, Math.max(g, b));
        int min = Math.min(r, Math.min(g, b));
        double chroma = (max - min) / 255.0;
        double l = lightness(r, g, b);
        if (chroma < ACHROMATIC) {
            return l >= WHITE_MIN ? NamedColour.WHITE : l <= BLACK_MAX ? NamedColour.BLACK : NamedColour.GRAY;
        }
        double d = max - min;
        double h;
        if (max == r) {
            h = 60 * (((g - b) / d) % 6);
        } else if (max == g) {
            h = 60 * ((b - r) / d + 2);
        } else {
            h = 60 * ((r - g) / d + 4);
        }
        h = h < 0 ? h + 360 : h;
        if (h < 14 || h >= 340) {
            return NamedColour.RED;
        }
        return h < 40 ? NamedColour.ORANGE : h < 70 ? NamedColour.YELLOW : h < 165 ? NamedColour.GREEN
                : h < 260 ? NamedColour.BLUE : null;
    }

    private static double lightness(int r, int g, int b) {
        return (Math.max(r, Math.max(g, b)) + Math.min(r, Math.min(g, b))) / 510.0;
    }

    /**
     * @param a a measured colour
     * @param b another, or {@code null} when it could not be measured
     * @return whether an object of colour {@code b} could be taken for one of colour {@code a}: the same colour, a
     *     neighbouring one (red and orange, white and gray...), or unknown
     */
    public static boolean confusable(NamedColour a, NamedColour b) {
        return b == null || a == b || NEIGHBOURS.contains(Set.of(a, b));
    }
}
