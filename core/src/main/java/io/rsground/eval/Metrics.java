package io.rsground.eval;

import io.rsground.box.Box;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The field's grounding metrics over a set of predictions: Pr@t for t = 0.5..0.9 (share of samples with
 * IoU &gt;= t; Acc@0.5 = Pr@0.5), meanIoU (mean per-sample IoU) and cumIoU (total intersection area over total
 * union area). The reference seed summed coordinate differences for cumIoU; this sums areas, as defined.
 * Accumulates; not thread-safe.
 */
public final class Metrics {
    /** The IoU thresholds reported, as in CLIP-VG and the DIOR-RSVG papers. */
    public static final double[] THRESHOLDS = {0.5, 0.6, 0.7, 0.8, 0.9};

    private final long[] hits = new long[THRESHOLDS.length];
    private long samples;
    private double iouSum;
    private double intersectionSum;
    private double unionSum;

    /** Adds one prediction (boxes in the same space, corner format). */
    public void add(Box predicted, Box truth) {
        double inter = predicted.intersection(truth);
        double union = predicted.area() + truth.area() - inter;
        double iou = union > 0 ? inter / union : 0;
        samples++;
        iouSum += iou;
        intersectionSum += inter;
        unionSum += union;
        for (int i = 0; i < THRESHOLDS.length; i++) {
            if (iou >= THRESHOLDS[i]) {
                hits[i]++;
            }
        }
    }

    /** @return samples added */
    public long samples() {
        return samples;
    }

    /** @return Pr@t for a threshold in {@link #THRESHOLDS}, a fraction in [0, 1] (0 with no samples) */
    public double precisionAt(double threshold) {
        for (int i = 0; i < THRESHOLDS.length; i++) {
            if (THRESHOLDS[i] == threshold) {
                return samples == 0 ? 0 : (double) hits[i] / samples;
            }
        }
        throw new IllegalArgumentException("no threshold " + threshold + "; known: 0.5, 0.6, 0.7, 0.8, 0.9");
    }

    /** @return mean per-sample IoU */
    public double meanIou() {
        return samples == 0 ? 0 : iouSum / samples;
    }

    /** @return total intersection area over total union area */
    public double cumIou() {
        return unionSum == 0 ? 0 : intersectionSum / unionSum;
    }

    /** @return {"pr50", "pr60", "pr70", "pr80", "pr90", "mean_iou", "cum_iou"} as fractions */
    public Map<String, Double> toMap() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (double t : THRESHOLDS) {
            out.put("pr" + Math.round(t * 100), precisionAt(t));
        }
        out.put("mean_iou", meanIou());
        out.put("cum_iou", cumIou());
        return out;
    }
}
