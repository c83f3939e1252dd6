package io.rsground.data.pseudo;

import io.rsground.box.Box;
import java.util.Objects;

/**
 * One labelled or detected object of detection data.
 *
 * @param className the class label as the data writes it, e.g. {@code storagetank} or {@code large-vehicle}
 * @param box axis-aligned box, corner format {@code x1,y1,x2,y2} in pixels of the original image
 * @param line the line of the label in its file (1-based), or 0 when unknown
 * @param score a detector's confidence in [0, 1]; 1 for a label from annotation
 */
public record Detection(String className, Box box, int line, double score) {

    /** An annotated object: its score is 1. */
    public Detection(String className, Box box, int line) {
        this(className, box, line, 1.0);
    }

    /** Checks the class and the box are given and the score lies in [0, 1]. */
    public Detection {
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(box, "box");
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must lie in [0, 1], got " + score);
        }
    }
}
