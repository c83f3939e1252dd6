package io.rsground.train;

import io.rsground.config.ConfigException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * The reliability thresholds a curriculum's greedy search tries: fixed reliabilities ({@code 0,0.3,0.5,0.7}), or
 * the shares of the labels to keep ({@code keep:1,0.75,0.5}), each turned into a threshold from the histogram of the
 * reliabilities a measurer gave, so that every candidate keeps a different set of labels whatever the measurer's
 * scale. Threshold 0 and share 1 keep every label: that candidate is the control a selection has to beat at the
 * same training time.
 *
 * @param values reliabilities in [0, 1] or shares in (0, 1], in the order tried (least selective first)
 * @param shares true when {@code values} are shares of the labels to keep
 */
public record CurriculumThresholds(List<Double> values, boolean shares) {
    /** Tried by default: every label (the control), then the most reliable three quarters and half. */
    public static final String DEFAULT = "keep:1,0.75,0.5";
    private static final String SHARES = "keep:";

    /**
     * One candidate of the search.
     *
     * @param name the stage's name ({@code h0.5}, {@code keep75})
     * @param threshold the reliability its labels reach
     */
    public record Candidate(String name, double threshold) {
    }

    public CurriculumThresholds {
        if (values.isEmpty()) {
            throw new ConfigException("curriculum thresholds: none given");
        }
        for (double v : values) {
            if (shares ? !(v > 0 && v <= 1) : !(v >= 0 && v <= 1)) {
                throw new ConfigException(shares ? "curriculum shares to keep must be in (0, 1], got " + values
                        : "curriculum thresholds must be in [0, 1], got " + values);
            }
        }
        values = shares ? values.stream().sorted((a, b) -> Double.compare(b, a)).toList()
                : values.stream().sorted().toList();
    }

    /** @return the thresholds from their spelling: {@code 0.3,0.5,0.7} or {@code keep:1,0.75,0.5} */
    public static CurriculumThresholds parse(String text) {
        boolean shares = text.strip().startsWith(SHARES);
        String list = shares ? text.strip().substring(SHARES.length()) : text;
        try {
            return new CurriculumThresholds(Arrays.stream(list.split(",")).map(String::strip)
                    .map(Double::parseDouble).toList(), shares);
        } catch (NumberFormatException e) {
            throw new ConfigException("curriculum thresholds must be numbers separated by commas, or keep: and "
                    + "shares of the labels separated by commas, got '" + text + "'");
        }
    }

    /**
     * @param reliabilities the measurer's reliability of each label searched
     * @return the candidates in the order tried, thresholds increasing; a share whose threshold equals an earlier
     *     one's (ties in the histogram) is left out, since it would keep the same labels
     */
    public List<Candidate> candidates(Collection<Double> reliabilities) {
        double[] ascending = reliabilities.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        List<Candidate> out = new ArrayList<>();
        for (double v : values) {
            double h = v;
            String name = "h" + plain(v);
            if (shares) {
                // the reliability of the last label kept when the most reliable share of them are
                int kept = Math.max(1, (int) Math.ceil(v * ascending.length));
                h = ascending.length == 0 ? 0 : ascending[ascending.length - kept];
                name = "keep" + plain(100 * v);
            }
            if (out.isEmpty() || h > out.get(out.size() - 1).threshold()) {
                out.add(new Candidate(name, h));
            }
        }
        return out;
    }

    /** @return true when a candidate keeps every label (share 1, threshold 0) */
    public boolean hasControl() {
        return values.contains(shares ? 1.0 : 0.0);
    }

    /** @return the spelling {@link #parse} reads */
    @Override
    public String toString() {
        return (shares ? SHARES : "") + String.join(",", values.stream().map(CurriculumThresholds::plain).toList());
    }

    private static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
