package io.rsground.data;

import io.rsground.data.synth.SceneObjects;
import io.rsground.data.synth.SceneObjects.LabeledBox;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Queries whose referent is not in a given image: the negatives a presence head learns "not in this image" from
 * (the generalized referring-expression task's "no target"). A query is taken from another image's expressions and
 * kept when the object it names cannot be in this image:
 * <ul>
 *   <li>no object of its class is in the image, or
 *   <li>the query names the referent's colour ("the red vehicle ...": the colour word right before the first
 *       mention of the class) and no object of that class has that colour here.
 * </ul>
 * What is in an image comes from the best-known objects ({@code SceneObjects.knownObjects}): every drawn object of a
 * synthetic scene; for DIOR-RSVG the annotated objects, which are not every object of the image, so a few of its
 * negatives name an object that is there after all.
 */
public final class AbsentQueries {
    /** Draws before giving up on an image (one whose objects cover nearly every class). */
    static final int TRIES = 64;

    private final List<Sample> pool;
    private final Map<Path, List<LabeledBox>> objectsByImage;

    /**
     * @param pool the expressions to draw from (the same split: a query never leaks from another split)
     * @param objectsByImage the known objects of each image; an image without an entry counts as holding only its
     *     pool expressions' referents
     */
    public AbsentQueries(List<Sample> pool, Map<Path, List<LabeledBox>> objectsByImage) {
        if (pool.isEmpty()) {
            throw new IllegalArgumentException("no expressions to draw absent queries from");
        }
        this.pool = List.copyOf(pool);
        Map<Path, List<LabeledBox>> known = new HashMap<>();
        SceneObjects.fromAnnotations(pool).forEach((image, objects) -> known.put(key(image), objects));
        objectsByImage.forEach((image, objects) -> known.put(key(image), objects));
        this.objectsByImage = known;
    }

    /**
     * @param sample the image and its own expression
     * @param seed decides the draw; the same seed gives the same query
     * @return a query whose referent is absent from the sample's image, or null when {@value #TRIES} draws found
     *     none
     */
    public String draw(Sample sample, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<LabeledBox> here = objects(sample);
        for (int t = 0; t < TRIES; t++) {
            Sample other = pool.get(rng.nextInt(pool.size()));
            if (!other.imageFile().equals(sample.imageFile()) && isAbsent(other, here)) {
                return other.query();
            }
        }
        return null;
    }

    /**
     * The samples' absent-referent twins, for measuring a presence score: each sample's image with a query whose
     * referent is not in it (same index, image and box; the box means nothing for them).
     *
     * @param samples the samples
     * @param seed decides every draw
     * @return one twin per sample for which a query was found, in order
     */
    public List<Sample> twins(List<Sample> samples, long seed) {
        List<Sample> out = new java.util.ArrayList<>(samples.size());
        for (Sample s : samples) {
            String q = draw(s, io.rsground.util.Seeds.mix64(seed ^ (0x9E3779B97F4A7C15L * (s.index() + 1))));
            if (q != null) {
                out.add(new Sample(s.index(), s.imageId(), s.imageFile(), s.imageWidth(), s.imageHeight(),
                        s.className(), s.box(), q, s.xmlFile(), s.line()));
            }
        }
        return out;
    }

    /** @return true when the object {@code other}'s query names cannot be one of {@code here} */
    boolean isAbsent(Sample other, List<LabeledBox> here) {
        String cls = other.className();
        boolean classHere = here.stream().anyMatch(o -> o.className().equals(cls));
        if (!classHere) {
            return true;
        }
        String colour = referentColour(other);
        if (colour == null || !namesColour(other.query(), colour, cls)) {
            return false;
        }
        return here.stream().noneMatch(o -> o.className().equals(cls) && colour.equals(o.attribute()));
    }

    /** @return the colour of the object a sample describes, when its image's objects know colours */
    private String referentColour(Sample s) {
        LabeledBox best = null;
        double bestIou = 0.5;
        for (LabeledBox o : objects(s)) {
            double iou = o.box().iou(s.box());
            if (o.className().equals(s.className()) && iou > bestIou) {
                best = o;
                bestIou = iou;
            }
        }
        return best == null ? null : best.attribute();
    }

    /** @return true when the colour word comes right before the first mention of the class */
    static boolean namesColour(String query, String colour, String className) {
        String q = " " + query.toLowerCase(Locale.ROOT) + " ";
        int at = q.indexOf(" " + className.toLowerCase(Locale.ROOT));
        return at >= 0 && q.substring(0, at).endsWith(" " + colour.toLowerCase(Locale.ROOT));
    }

    private List<LabeledBox> objects(Sample s) {
        return objectsByImage.getOrDefault(key(s.imageFile()), List.of());
    }

    private static Path key(Path image) {
        return image.toAbsolutePath().normalize();
    }
}
