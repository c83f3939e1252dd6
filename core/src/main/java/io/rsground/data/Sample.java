package io.rsground.data;

import io.rsground.box.Box;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One referring expression of a DIOR-RSVG style data set: an object of an image and the sentence that names it.
 *
 * @param index the global object index (0-based, over all {@code <object>} elements of the annotation files read in
 *     file-name order), the number split files list
 * @param imageId the image's name without extension, e.g. {@code 00001}
 * @param imageFile the image file
 * @param imageWidth image width in pixels (from the annotation's {@code <size>}, else the image header)
 * @param imageHeight image height in pixels
 * @param className the object's class as written in {@code <name>}, e.g. {@code storage tank}
 * @param box the object's box, corner format {@code x1,y1,x2,y2} in pixels of the original image, clamped to the image
 * @param query the description, trimmed and lower-cased
 * @param xmlFile the annotation file holding the object
 * @param line the line of the object's {@code <object>} element in that file
 */
public record Sample(int index, String imageId, Path imageFile, int imageWidth, int imageHeight, String className,
        Box box, String query, Path xmlFile, int line) {

    /** Checks the required fields. */
    public Sample {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(imageFile, "imageFile");
        Objects.requireNonNull(className, "className");
        Objects.requireNonNull(box, "box");
        Objects.requireNonNull(query, "query");
        if (index < 0 || imageWidth <= 0 || imageHeight <= 0) {
            throw new IllegalArgumentException("index " + index + " and image size " + imageWidth + "x" + imageHeight
                    + " must be non-negative and positive");
        }
    }

    /** @return {@code file:line} of the annotation, for log messages */
    public String origin() {
        return xmlFile + ":" + line;
    }
}
