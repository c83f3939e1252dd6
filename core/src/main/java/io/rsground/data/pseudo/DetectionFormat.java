package io.rsground.data.pseudo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** The detection label formats {@code pseudo} reads. */
public enum DetectionFormat {
    /** Pascal VOC XML as DIOR ships it: {@code Annotations/*.xml} and {@code JPEGImages/}. */
    VOC,
    /** DOTA text labels: {@code labelTxt/*.txt} (oriented quadrilaterals) and {@code images/}. */
    DOTA,
    /** COCO JSON: {@code images}, {@code annotations} with {@code bbox} {@code [x, y, w, h]}, {@code categories}. */
    COCO;

    /**
     * Reads a data set of this format. A label file that cannot be read is skipped and reported; only a missing
     * folder or file stops the reading.
     *
     * @param root the data root
     * @return the readable images with their objects, and the problems of the skipped files
     * @throws IOException when the root or its label folder or file is missing or cannot be listed
     */
    public DetectionSet read(Path root) throws IOException {
        return switch (this) {
            case VOC -> VocDetections.read(root);
            case DOTA -> DotaDetections.read(root);
            case COCO -> CocoDetections.read(root);
        };
    }

    /**
     * @param name {@code voc}, {@code dota} or {@code coco}, any case
     * @return the format
     * @throws IllegalArgumentException for another name
     */
    public static DetectionFormat of(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown detection format '" + name + "'; expected voc, dota or coco",
                    e);
        }
    }
}
