package io.rsground.data.pseudo;

import io.rsground.box.Box;
import java.util.Objects;

/**
 * One labelled object of detection data.
 *
 * @param className the class label as the data writes it, e.g. {@code storagetank} or {@code large-vehicle}
 * @param box axis-aligned box, corner format {@code x1,y1,x2,y2} in pixels of the original image
 * @param line the line of the label in its file (1-based), or 0 when unknown
 */
public record Detection(String className, Box box, int line) {

    /** Checks the class and the box are given. */
    public Detection {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(box, "box");
    }
}
