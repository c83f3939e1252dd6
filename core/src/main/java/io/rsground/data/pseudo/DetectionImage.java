package io.rsground.data.pseudo;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One image of detection data with all its labelled objects.
 *
 * @param id the image's name without extension, unique in the data set (the output files are named after it)
 * @param imageFile the image file
 * @param labelFile the label file as messages name it (relative to the data root)
 * @param objects every labelled object of the image, in file order
 */
public record DetectionImage(String id, Path imageFile, String labelFile, List<Detection> objects) {

    /** Checks the fields and makes the object list unmodifiable. */
    public DetectionImage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(imageFile, "imageFile");
        Objects.requireNonNull(labelFile, "labelFile");
        objects = List.copyOf(objects);
    }
}
