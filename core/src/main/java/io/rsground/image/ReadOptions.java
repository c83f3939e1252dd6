package io.rsground.image;

import java.util.Arrays;

/**
 * How {@link Images} decodes a file: the largest image it accepts, which bands become R, G and B,
 * and the percentiles used to stretch samples deeper than 8 bits to 0..255. Immutable; start from
 * {@link #DEFAULT} and change one setting at a time.
 */
public final class ReadOptions {
    /** Default pixel limit: 50 million pixels (e.g. 7,071 x 7,071). */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;

    /** No band selection, 50 M pixel limit, 2 % - 98 % stretch. */
    public static final ReadOptions DEFAULT = new ReadOptions(DEFAULT_MAX_PIXELS, null, 2.0, 98.0);

    private final long maxPixels;
    private final int[] bands;
    private final double lowPercentile;
    private final double highPercentile;

    private ReadOptions(long maxPixels, int[] bands, double lowPercentile, double highPercentile) {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be > 0, got " + maxPixels);
        }
        if (bands != null) {
            if (bands.length != 1 && bands.length != 3) {
                throw new IllegalArgumentException("give 1 band (grey) or 3 bands (R, G, B), got "
                        + Arrays.toString(bands));
            }
            for (int b : bands) {
                if (b < 1) {
                    throw new IllegalArgumentException("bands are numbered from 1, got " + Arrays.toString(bands));
                }
            }
        }
        if (!(lowPercentile >= 0 && lowPercentile < highPercentile && highPercentile <= 100)) {
            throw new IllegalArgumentException("percentiles must satisfy 0 <= low < high <= 100, got low="
                    + lowPercentile + ", high=" + highPercentile);
        }
        this.maxPixels = maxPixels;
        this.bands = bands == null ? null : bands.clone();
        this.lowPercentile = lowPercentile;
        this.highPercentile = highPercentile;
    }

    /**
     * @param limit largest accepted width x height, checked from the header before decoding
     * @return these options with that limit
     */
    public ReadOptions withMaxPixels(long limit) {
        return new ReadOptions(limit, bands, lowPercentile, highPercentile);
    }

    /**
     * @param oneBased the bands to show, numbered from 1 as in GDAL: three (R, G, B; e.g. 3, 2, 1 for
     *     a B-G-R-NIR file) or one (shown as grey); {@code null} or nothing for the default (grey
     *     replicated, or the first three colour bands)
     * @return these options with that band selection
     */
    public ReadOptions withBands(int... oneBased) {
        return new ReadOptions(maxPixels, oneBased == null || oneBased.length == 0 ? null : oneBased,
                lowPercentile, highPercentile);
    }

    /**
     * @param low percentile mapped to 0 (default 2)
     * @param high percentile mapped to 255 (default 98)
     * @return these options with that stretch, used for samples deeper than 8 bits
     */
    public ReadOptions withPercentiles(double low, double high) {
        return new ReadOptions(maxPixels, bands, low, high);
    }

    /** @return the largest accepted width x height */
    public long maxPixels() {
        return maxPixels;
    }

    /** @return the selected bands (1-based, a copy), or {@code null} for the default */
    public int[] bands() {
        return bands == null ? null : bands.clone();
    }

    /** @return the percentile mapped to 0 when stretching */
    public double lowPercentile() {
        return lowPercentile;
    }

    /** @return the percentile mapped to 255 when stretching */
    public double highPercentile() {
        return highPercentile;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReadOptions r && r.maxPixels == maxPixels && Arrays.equals(r.bands, bands)
                && r.lowPercentile == lowPercentile && r.highPercentile == highPercentile;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(maxPixels) * 31 + Arrays.hashCode(bands) + Double.hashCode(lowPercentile)
                + 7 * Double.hashCode(highPercentile);
    }

    @Override
    public String toString() {
        return "ReadOptions[maxPixels=" + maxPixels + ", bands=" + Arrays.toString(bands)
                + ", percentiles=" + lowPercentile + "-" + highPercentile + "]";
    }
}
