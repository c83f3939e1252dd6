package io.rsground.data.synth;

import static io.rsground.data.synth.NamedColour.BLACK;
import static io.rsground.data.synth.NamedColour.BLUE;
import static io.rsground.data.synth.NamedColour.GRAY;
import static io.rsground.data.synth.NamedColour.GREEN;
import static io.rsground.data.synth.NamedColour.ORANGE;
import static io.rsground.data.synth.NamedColour.RED;
import static io.rsground.data.synth.NamedColour.WHITE;
import static io.rsground.data.synth.NamedColour.YELLOW;

import java.util.List;

/**
 * The DIOR classes synthetic scenes draw, with the size range (longest side in pixels of an 800x800 image), the
 * colours an instance may have and how many instances a scene holds.
 */
public enum SceneClass {
    VEHICLE("vehicle", 15, 30, 2, 9, List.of(WHITE, WHITE, GRAY, BLACK, RED, BLUE, YELLOW)),
    STORAGE_TANK("storage tank", 24, 84, 1, 7, List.of(WHITE, WHITE, WHITE, GRAY, GRAY, GREEN)),
    AIRPLANE("airplane", 50, 130, 1, 5, List.of(WHITE, WHITE, WHITE, GRAY, GRAY, BLUE)),
    SHIP("ship", 34, 140, 1, 5, List.of(WHITE, WHITE, GRAY, RED, BLUE, BLACK, ORANGE)),
    TENNIS_COURT("tennis court", 54, 80, 1, 4, List.of(GREEN, GREEN, BLUE, BLUE, RED)),
    CHIMNEY("chimney", 44, 110, 1, 3, List.of(RED, RED, WHITE, GRAY)),
    WINDMILL("windmill", 60, 110, 1, 4, List.of(WHITE)),
    BASEBALL_FIELD("baseball field", 120, 200, 1, 2, List.of(GREEN)),
    BASKETBALL_COURT("basketball court", 44, 64, 1, 3, List.of(BLUE, GREEN, ORANGE, RED)),
    GROUND_TRACK_FIELD("ground track field", 180, 270, 1, 1, List.of(RED, RED, RED, BLUE));

    private final String diorName;
    private final double minLength;
    private final double maxLength;
    private final int minCount;
    private final int maxCount;
    private final List<NamedColour> palette;

    SceneClass(String diorName, double minLength, double maxLength, int minCount, int maxCount,
            List<NamedColour> palette) {
        this.diorName = diorName;
        this.minLength = minLength;
        this.maxLength = maxLength;
        this.minCount = minCount;
        this.maxCount = maxCount;
        this.palette = palette;
    }

    /** @return the class name exactly as DIOR writes it, e.g. {@code storage tank} */
    public String diorName() {
        return diorName;
    }

    /** @return the smallest longest-side of an instance, pixels at 800x800 */
    public double minLength() {
        return minLength;
    }

    /** @return the largest longest-side of an instance, pixels at 800x800 */
    public double maxLength() {
        return maxLength;
    }

    /** @return the fewest instances a scene with this class holds */
    public int minCount() {
        return minCount;
    }

    /** @return the most instances a scene with this class holds */
    public int maxCount() {
        return maxCount;
    }

    /** @return the colours an instance is drawn from (repeats weight the draw) */
    public List<NamedColour> palette() {
        return palette;
    }

    /**
     * @param name a DIOR class name
     * @return the class
     * @throws IllegalArgumentException for a name no scene class has
     */
    public static SceneClass ofDiorName(String name) {
        for (SceneClass c : values()) {
            if (c.diorName.equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no scene class named '" + name + "'");
    }
}
