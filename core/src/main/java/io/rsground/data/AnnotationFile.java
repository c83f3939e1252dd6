package io.rsground.data;

import io.rsground.box.Box;
import java.nio.file.Path;
import java.util.List;

/**
 * What one VOC-style annotation file says, as far as it could be read.
 *
 * @param xmlFile the annotation file
 * @param displayName the file as problems name it (relative to the data root)
 * @param filename the text of {@code <filename>}, or {@code null} when absent
 * @param filenameLine the line of {@code <filename>}, or 0
 * @param width the text of {@code <size><width>} as a positive integer, or {@code null} when absent or invalid
 * @param height the text of {@code <size><height>} as a positive integer, or {@code null} when absent or invalid
 * @param sizeLine the line of {@code <size>}, or 0
 * @param objects the {@code <object>} elements read, in document order (up to a parse error, if any)
 * @param problems file-level problems (malformed XML, bad size); object problems live with the objects
 */
public record AnnotationFile(Path xmlFile, String displayName, String filename, int filenameLine, Integer width,
        Integer height, int sizeLine, List<AnnotatedObject> objects, List<Problem> problems) {

    /**
     * One {@code <object>} element.
     *
     * @param name the class name ({@code <name>}, trimmed), or {@code null} when absent
     * @param box the box as written, or {@code null} when absent, non-numeric or degenerate
     * @param boxLine the line of {@code <bndbox>}, or the object's line when absent
     * @param description the text of {@code <description>} exactly as written, or {@code null} when absent
     * @param descriptionLine the line of {@code <description>}, or the object's line when absent
     * @param line the line of the {@code <object>} start tag
     * @param problems problems of this object, without index (the global index is assigned later)
     */
    public record AnnotatedObject(String name, Box box, int boxLine, String description, int descriptionLine,
            int line, List<Problem> problems) {
    }
}
