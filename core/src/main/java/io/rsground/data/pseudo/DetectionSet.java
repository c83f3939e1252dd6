package io.rsground.data.pseudo;

import io.rsground.data.Problem;
import java.util.List;

/**
 * What a detection reader found: the images it could read and, for every label file it skipped, why.
 *
 * @param images readable images with their objects, sorted by id
 * @param problems one or more problems per skipped label file, each with file and line where there is one
 */
public record DetectionSet(List<DetectionImage> images, List<Problem> problems) {

    /** Makes both lists unmodifiable. */
    public DetectionSet {
        images = List.copyOf(images);
        problems = List.copyOf(problems);
    }
}
