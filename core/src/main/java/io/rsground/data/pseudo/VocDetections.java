package io.rsground.data.pseudo;

import io.rsground.data.AnnotationFile;
import io.rsground.data.AnnotationFile.AnnotatedObject;
import io.rsground.data.AnnotationReader;
import io.rsground.data.Problem;
import io.rsground.data.SortedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Pascal VOC detection labels as DIOR ships them: {@code ROOT/Annotations/*.xml} (with the secure SAX reader
 * of the DIOR-RSVG data sets; descriptions, when there are any, are ignored) and {@code ROOT/JPEGImages/}, the image
 * named by {@code <filename>} or else {@code <xml name>.jpg}. A file with any problem (malformed XML, an object
 * without class or with a bad box, a missing image) is skipped whole: an object that cannot be read could be the
 * one an expression for its neighbour fails to tell apart.
 */
final class VocDetections {

    private VocDetections() {
    }

    static DetectionSet read(Path root) throws IOException {
        Path annotations = root.resolve("Annotations");
        if (!Files.isDirectory(annotations)) {
            throw new NoSuchFileException(annotations.toString(), null,
                    "no Annotations folder: VOC detection data holds Annotations/*.xml and JPEGImages/");
        }
        Path imagesDir = root.resolve("JPEGImages").toAbsolutePath().normalize();
        List<Path> files = SortedFiles.list(annotations, ".xml");
        List<DetectionImage> images = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        for (Path file : files) {
            String xmlName = file.getFileName().toString();
            String display = "Annotations/" + xmlName;
            AnnotationFile a = AnnotationReader.readDetections(file, display);
            List<Problem> found = new ArrayList<>(a.problems());
            List<Detection> objects = new ArrayList<>();
            for (AnnotatedObject o : a.objects()) {
                found.addAll(o.problems());
                if (o.problems().isEmpty()) {
                    objects.add(new Detection(o.name(), o.box(), o.line()));
                }
            }
            String id = xmlName.substring(0, xmlName.length() - 4);
            String imageName = a.filename() != null && !a.filename().isEmpty() ? a.filename() : id + ".jpg";
            Path image = imagesDir.resolve(imageName).normalize();
            Integer line = a.filenameLine() > 0 ? a.filenameLine() : null;
            if (!image.getParent().equals(imagesDir)) {
                found.add(new Problem(display, line, null, "<filename> '" + imageName
                        + "' does not name a file directly inside JPEGImages"));
            } else if (!Files.isRegularFile(image)) {
                found.add(new Problem(display, line, null, "image JPEGImages/" + imageName + " not found"));
            }
            if (found.isEmpty()) {
                images.add(new DetectionImage(id, image, display, objects));
            } else {
                problems.addAll(found);
            }
        }
        return new DetectionSet(images, problems);
    }
}
