package io.rsground.data.synth;

/**
 * How close and how crowded the synthetic scenes are. The defaults (1, 1) draw objects at the sizes DIOR-RSVG
 * shows them in 800 px images (scaled with the image side) and in DIOR-like numbers; a zoom above 1 draws every
 * object and terrain feature larger, as if the image were a closer view, and a crowding below 1 draws fewer
 * objects of each class (always at least the class's minimum).
 *
 * @param zoom size factor of everything drawn, 0.25..4
 * @param crowding fraction of each class's extra objects (above its minimum count) that may appear, 0..1
 */
public record SceneOptions(double zoom, double crowding) {
    /** DIOR-like scenes. */
    public static final SceneOptions DEFAULT = new SceneOptions(1, 1);

    public SceneOptions {
        if (!(zoom >= 0.25 && zoom <= 4)) {
            throw new IllegalArgumentException("zoom must lie in 0.25..4, got " + zoom);
        }
        if (!(crowding >= 0 && crowding <= 1)) {
            throw new IllegalArgumentException("crowding must lie in 0..1, got " + crowding);
        }
    }

    /** @return the largest count of a class given its range */
    int maxCount(int min, int max) {
        return min + (int) Math.round((max - min) * crowding);
    }
}
