package io.rsground.data.synth;

import io.rsground.box.Box;
import java.util.Objects;

/**
 * One object drawn into a synthetic scene, with the attributes the generator chose for it.
 *
 * @param id the object's number in its scene, in drawing order, from 0
 * @param sceneClass its class
 * @param colour the colour it is painted in
 * @param sizeClass its size within its class's range
 * @param length its longest side (diameter, radius for a baseball field fan), pixels
 * @param rotationDeg its rotation in degrees, 0..360, from the image +x axis turning clockwise as seen on screen (y
 *     points down); the nose, bow or long axis points that way (blade angle for a windmill, the scene's lean direction
 *     for a chimney, 0 for a storage tank)
 * @param box the tight box of the drawn object (without its shadow), corner format {@code x1,y1,x2,y2} in pixels,
 *     whole numbers, clamped to the image
 * @param referring what singles the object out in its scene, or {@code null} when nothing does
 * @param description the expression written for it (lower case), or {@code null} when it has none
 */
public record SceneObject(int id, SceneClass sceneClass, NamedColour colour, SizeClass sizeClass, double length,
        double rotationDeg, Box box, Referring referring, String description) {

    /** Checks the required fields and that referring and description come together. */
    public SceneObject {
        Objects.requireNonNull(sceneClass, "sceneClass");
        Objects.requireNonNull(colour, "colour");
        Objects.requireNonNull(sizeClass, "sizeClass");
        Objects.requireNonNull(box, "box");
        if ((referring == null) != (description == null)) {
            throw new IllegalArgumentException("referring and description must both be given or both be null");
        }
    }

    /** @return the horizontal centre of the box, pixels */
    public double centerX() {
        return box.cx();
    }

    /** @return the vertical centre of the box, pixels */
    public double centerY() {
        return box.cy();
    }

    /** @return true when the object has an expression */
    public boolean described() {
        return description != null;
    }

    /**
     * @param newReferring what singles the object out
     * @param text its expression
     * @return a copy with that expression
     */
    public SceneObject withDescription(Referring newReferring, String text) {
        return new SceneObject(id, sceneClass, colour, sizeClass, length, rotationDeg, box, newReferring, text);
    }
}
