package io.rsground.data;

import io.rsground.box.Box;
import io.rsground.image.Images;
import java.awt.Dimension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Image sizes from their headers, for layouts whose annotations do not state them, and the box checks every layout
 * shares.
 */
final class ImageSizes {
    private ImageSizes() {
    }

    /**
     * Reads the headers of the images, in parallel; a missing or unreadable image is a problem and has no size.
     *
     * @param images the image files, absolute
     * @param absRoot the data root, for naming files in problems
     * @param problems receives one problem per image that cannot be read, in the order given
     * @return each readable image's size
     */
    static Map<Path, Dimension> read(Collection<Path> images, Path absRoot, List<Problem> problems) {
        List<Path> ordered = new ArrayList<>(images);
        Map<Path, Object> found = new ConcurrentHashMap<>();
        ordered.parallelStream().forEach(file -> {
            if (!Files.isRegularFile(file)) {
                found.put(file, "image " + DiorRsvgDataset.display(absRoot, file) + " not found");
                return;
            }
            try {
                found.put(file, Images.readSize(file));
            } catch (IOException e) {
                found.put(file, "unreadable image: " + DiorRsvgDataset.reason(e, file));
            }
        });
        Map<Path, Dimension> sizes = new LinkedHashMap<>();
        for (Path file : ordered) {
            Object result = found.get(file);
            if (result instanceof Dimension d) {
                sizes.put(file, d);
            } else {
                problems.add(new Problem(DiorRsvgDataset.display(absRoot, file), null, null, (String) result));
            }
        }
        return sizes;
    }

    /**
     * @param box corners x1,y1,x2,y2 in pixels
     * @return null when the box lies inside the image (up to {@link DiorRsvgDataset#BOX_TOLERANCE_PX}, to be clamped)
     *     and keeps an area there, else what is wrong with it
     */
    static String boxProblem(Box box, int width, int height) {
        double tolerance = DiorRsvgDataset.BOX_TOLERANCE_PX;
        String corners = String.format(Locale.ROOT, "box (%s, %s, %s, %s)", AnnotationReader.fmt(box.x1()),
                AnnotationReader.fmt(box.y1()), AnnotationReader.fmt(box.x2()), AnnotationReader.fmt(box.y2()));
        if (box.x1() < -tolerance || box.y1() < -tolerance || box.x2() > width + tolerance
                || box.y2() > height + tolerance) {
            return String.format(Locale.ROOT, "%s reaches outside the %dx%d image by more than %s px", corners, width,
                    height, AnnotationReader.fmt(tolerance));
        }
        Box clamped = box.clamp(0, 0, width, height);
        if (clamped.width() <= 0 || clamped.height() <= 0) {
            return String.format(Locale.ROOT, "%s has no area inside the %dx%d image", corners, width, height);
        }
        return null;
    }
}
