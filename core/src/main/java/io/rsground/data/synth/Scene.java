package io.rsground.data.synth;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * One synthetic scene: the rendered image and every object drawn into it, described or not.
 *
 * @param index the scene's number in its data set, from 0
 * @param image the rendered image, {@code TYPE_INT_RGB}, square
 * @param objects every object drawn, in drawing order (ids 0..n-1)
 */
public record Scene(int index, BufferedImage image, List<SceneObject> objects) {

    /** Makes the object list unmodifiable. */
    public Scene {
        objects = List.copyOf(objects);
    }

    /** @return image width, pixels */
    public int width() {
        return image.getWidth();
    }

    /** @return image height, pixels */
    public int height() {
        return image.getHeight();
    }

    /** @return the objects with an expression, in drawing order */
    public List<SceneObject> described() {
        return objects.stream().filter(SceneObject::described).toList();
    }
}
