package io.rsground.data.pseudo;

import io.rsground.box.Box;
import io.rsground.util.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A detector's mistakes put onto detection labels, so that pseudo-labels can be made as wrong as CLIP-VG's, whose
 * boxes come from a detector rather than from annotation. Each labelled object is missed with probability
 * {@code miss}; otherwise found with its centre moved by normals of standard deviation {@code jitter} times its width
 * and height, each side scaled by {@code exp} of a normal of standard deviation {@code jitter}, and its class swapped
 * for another of the data set with probability {@code confuse}. Each image gets a Poisson number (mean
 * {@code falsePerImage}) of false detections: a random class, the size of a random labelled object of the data set,
 * placed uniformly. Scores are informative but overlap as a detector's do: {@code 0.5 q + 0.5 u} with {@code u}
 * uniform in [0, 1) and {@code q} the IoU with the object, halved for a swapped class, 0 for a false detection.
 * The same seed gives the same detections.
 */
public final class DetectorSimulator {

    /** A found object's box must keep at least this width and height (pixels) inside the image, else it is missed. */
    static final double MIN_SIDE_PX = 2.0;
    /** IoU with its object at which a detection with the right class counts as right (the PASCAL VOC rule). */
    public static final double RIGHT_IOU = 0.5;

    private DetectorSimulator() {
    }

    /**
     * How wrong the simulated detector is.
     *
     * @param miss probability that a labelled object is not detected, in [0, 1]
     * @param jitter standard deviation of the centre shift (as a share of the box's side) and of the log side scale
     * @param confuse probability that a detected object gets another class of the data set, in [0, 1]
     * @param falsePerImage mean number of false detections per image
     */
    public record ErrorRates(double miss, double jitter, double confuse, double falsePerImage) {

        /** Checks each rate. */
        public ErrorRates {
            check("--miss", miss, 1);
            check("--jitter", jitter, 10);
            check("--confuse", confuse, 1);
            check("--false-per-image", falsePerImage, 100);
        }

        private static void check(String name, double value, int max) {
            if (!(value >= 0 && value <= max)) {
                throw new IllegalArgumentException(name + " must lie in [0, " + max + "], got " + value);
            }
        }
    }

    /**
     * One simulated detection with what it truly is.
     *
     * @param detection class, box (corner format {@code x1,y1,x2,y2}, pixels, inside the image) and score
     * @param object the index of the labelled object it comes from in the image's label list, or -1 for a false one
     * @param trueClass that object's class, or {@code null} for a false detection
     * @param iou IoU of the box with that object's box, 0 for a false detection
     */
    public record Simulated(Detection detection, int object, String trueClass, double iou) {

        /** @return whether the detection has its object's class and overlaps it by at least {@link #RIGHT_IOU} */
        public boolean right() {
            return object >= 0 && trueClass.equals(detection.className()) && iou >= RIGHT_IOU;
        }
    }

    /**
     * The random source of one image: the same seed and image id give the same detections whatever the image order.
     *
     * @param seed the run's seed
     * @param imageId the image's id
     * @return a generator for that image alone
     */
    public static SplittableRandom imageRandom(long seed, String imageId) {
        return new SplittableRandom(Seeds.mix64(seed * 0x9E3779B97F4A7C15L + Seeds.mix64(imageId.hashCode() + 17L)));
    }

    /**
     * Simulates the detector on one image.
     *
     * @param labels the image's labelled objects (corner-format pixel boxes)
     * @param width image width, pixels
     * @param height image height, pixels
     * @param classes every class of the data set, at least one; swaps and false detections draw from it
     * @param sizes width and height (pixels) of labelled objects of the data set, at least one; false detections
     *     take the size of a random one
     * @param errors the error rates
     * @param rng the image's random source
     * @return the found objects in label order, then the false detections
     */
    public static List<Simulated> detect(List<Detection> labels, int width, int height, List<String> classes,
            List<double[]> sizes, ErrorRates errors, SplittableRandom rng) {
        List<Simulated> out = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            Detection label = labels.get(i);
            if (rng.nextDouble() < errors.miss()) {
                continue;
            }
            Box truth = label.box();
            double cx = truth.cx() + rng.nextGaussian() * errors.jitter() * truth.width();
            double cy = truth.cy() + rng.nextGaussian() * errors.jitter() * truth.height();
            double w = truth.width() * Math.exp(rng.nextGaussian() * errors.jitter());
            double h = truth.height() * Math.exp(rng.nextGaussian() * errors.jitter());
            Box box = Box.fromCxcywh(cx, cy, w, h).clamp(0, 0, width, height);
            String className = label.className();
            boolean swap = classes.size() > 1 && rng.nextDouble() < errors.confuse();
            if (swap) {
                className = otherClass(classes, className, rng);
            }
            double u = rng.nextDouble();
            if (box.width() < MIN_SIDE_PX || box.height() < MIN_SIDE_PX) {
                continue;
            }
            double iou = box.iou(truth);
            double score = 0.5 * (swap ? iou / 2 : iou) + 0.5 * u;
            out.add(new Simulated(new Detection(className, box, 0, score), i, label.className(), iou));
        }
        int falseCount = poisson(errors.falsePerImage(), rng);
        for (int k = 0; k < falseCount; k++) {
            double[] size = sizes.get(rng.nextInt(sizes.size()));
            double w = Math.min(size[0], width);
            double h = Math.min(size[1], height);
            double x1 = rng.nextDouble() * (width - w);
            double y1 = rng.nextDouble() * (height - h);
            String className = classes.get(rng.nextInt(classes.size()));
            double score = 0.5 * rng.nextDouble();
            out.add(new Simulated(new Detection(className, new Box(x1, y1, x1 + w, y1 + h), 0, score), -1, null, 0));
        }
        return out;
    }

    /** @return a class of {@code classes} other than {@code current}, uniformly */
    private static String otherClass(List<String> classes, String current, SplittableRandom rng) {
        List<String> others = classes.stream().filter(c -> !c.equals(current)).toList();
        return others.isEmpty() ? current : others.get(rng.nextInt(others.size()));
    }

    /** @return a Poisson draw of the given mean (Knuth's product of uniforms; the means here are small) */
    static int poisson(double mean, SplittableRandom rng) {
        double limit = Math.exp(-mean);
        int k = 0;
        double product = rng.nextDouble();
        while (product > limit) {
            k++;
            product *= rng.nextDouble();
        }
        return k;
    }
}
