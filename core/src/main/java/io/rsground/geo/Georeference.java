package io.rsground.geo;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where an image lies on the map: an affine transform from pixel coordinates to map coordinates,
 * the CRS they are in, and where that was read from.
 *
 * <p><b>Pixel coordinates</b> are those of pixel corners: the top-left corner of pixel (0,0) is
 * (0,0) and its bottom-right corner is (1,1) (GeoTIFF's PixelIsArea convention, and the one of
 * {@code box_xyxy} in rsground). Readers convert PixelIsPoint rasters and world files (which give
 * the centre of the top-left pixel) to it.
 *
 * <p><b>Map coordinates</b> are (x, y) = (easting, northing), or (longitude, latitude) for a
 * geographic CRS whatever the EPSG axis order says: that is the order of GeoJSON, of world files
 * and of GeoTIFF. Hence the name {@code urn:ogc:def:crs:OGC:1.3:CRS84} for EPSG:4326.
 *
 * @param pixelToMap {a, b, c, d, e, f}: mapX = a*col + b*row + c, mapY = d*col + e*row + f
 * @param epsg the EPSG code of the CRS, or null when unknown
 * @param crsName the CRS name to write in GeoJSON (see {@link #crsNameFor}), or null when unknown
 * @param source where the georeferencing was read from, e.g. "GeoTIFF" or "world file a.tfw"
 */
public record Georeference(double[] pixelToMap, Integer epsg, String crsName, String source) {
    private static final String[] TERMS = {"a", "b", "c", "d", "e", "f"};

    /**
     * @throws IllegalArgumentException when the transform does not have six finite terms or
     *     collapses the image to a line (determinant a*e - b*d of zero), or the EPSG code is not positive
     */
    public Georeference {
        Objects.requireNonNull(pixelToMap, "pixelToMap");
        Objects.requireNonNull(source, "source");
        if (pixelToMap.length != 6) {
            throw new IllegalArgumentException("pixelToMap must have 6 terms {a,b,c,d,e,f}, got "
                    + pixelToMap.length + ": " + Arrays.toString(pixelToMap) + " (from " + source + ")");
        }
        for (int i = 0; i < 6; i++) {
            if (!Double.isFinite(pixelToMap[i])) {
                throw new IllegalArgumentException("pixelToMap term " + TERMS[i] + " is " + pixelToMap[i]
                        + ", expected a finite number: " + Arrays.toString(pixelToMap) + " (from " + source + ")");
            }
        }
        double determinant = pixelToMap[0] * pixelToMap[4] - pixelToMap[1] * pixelToMap[3];
        if (determinant == 0 || !Double.isFinite(determinant)) {
            throw new IllegalArgumentException("pixelToMap " + Arrays.toString(pixelToMap)
                    + " is degenerate (a*e - b*d = " + determinant + "): pixels would collapse onto a line"
                    + " (from " + source + ")");
        }
        if (epsg != null && epsg <= 0) {
            throw new IllegalArgumentException("EPSG code must be positive, got " + epsg + " (from " + source + ")");
        }
        // a copy, so that the record stays immutable whatever the caller does with its array
        pixelToMap = pixelToMap.clone();
    }

    /**
     * @param pixelToMap {a, b, c, d, e, f} for pixel-corner coordinates
     * @param epsg the EPSG code, or null
     * @param source where it was read from
     * @return the georeference, with {@link #crsNameFor crsNameFor(epsg)} as the CRS name
     */
    public static Georeference of(double[] pixelToMap, Integer epsg, String source) {
        return new Georeference(pixelToMap, epsg, crsNameFor(epsg), source);
    }

    /**
     * @param epsg an EPSG code, or null
     * @return {@code urn:ogc:def:crs:OGC:1.3:CRS84} for 4326 (WGS 84 with longitude first, as
     *     GeoJSON and this class order it), {@code urn:ogc:def:crs:EPSG::CODE} for any other code,
     *     null for null
     */
    public static String crsNameFor(Integer epsg) {
        if (epsg == null) {
            return null;
        }
        return epsg == 4326 ? "urn:ogc:def:crs:OGC:1.3:CRS84" : "urn:ogc:def:crs:EPSG::" + epsg;
    }

    /** @return a copy of {a, b, c, d, e, f} */
    @Override
    public double[] pixelToMap() {
        return pixelToMap.clone();
    }

    /**
     * @param col pixel-corner column (may be fractional or outside the image)
     * @param row pixel-corner row
     * @return {x, y} on the map
     */
    public double[] toMap(double col, double row) {
        double[] t = pixelToMap;
        return new double[] {t[0] * col + t[1] * row + t[2], t[3] * col + t[4] * row + t[5]};
    }

    /**
     * The map outline of a pixel box, as a closed GeoJSON linear ring: five corners, the last
     * equal to the first, counter-clockwise on the map (RFC 7946's right-hand rule) whichever way
     * the transform turns, starting from the map position of pixel corner (x1, y1).
     *
     * @return {x0, y0, x1, y1, ..., x4, y4} in map coordinates
     * @throws IllegalArgumentException when a coordinate is not finite
     */
    public double[] polygon(double x1, double y1, double x2, double y2) {
        double[] box = {x1, y1, x2, y2};
        for (double v : box) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("box " + Arrays.toString(box) + " has a non-finite coordinate");
            }
        }
        // in pixel space (rows going down) TL, BL, BR, TR is clockwise on screen; a north-up
        // transform (determinant < 0) flips it to counter-clockwise on the map
        boolean flips = pixelToMap[0] * pixelToMap[4] - pixelToMap[1] * pixelToMap[3] < 0;
        double[][] corners = flips
                ? new double[][] {{x1, y1}, {x1, y2}, {x2, y2}, {x2, y1}}
                : new double[][] {{x1, y1}, {x2, y1}, {x2, y2}, {x1, y2}};
        if ((x2 < x1) != (y2 < y1)) {
            // a box given with one axis reversed would otherwise come out clockwise
            corners = new double[][] {corners[0], corners[3], corners[2], corners[1]};
        }
        double[] ring = new double[10];
        for (int i = 0; i < 5; i++) {
            double[] p = toMap(corners[i % 4][0], corners[i % 4][1]);
            ring[2 * i] = p[0];
            ring[2 * i + 1] = p[1];
        }
        return ring;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Georeference g && Arrays.equals(pixelToMap, g.pixelToMap)
                && Objects.equals(epsg, g.epsg) && Objects.equals(crsName, g.crsName) && source.equals(g.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(pixelToMap), epsg, crsName, source);
    }

    @Override
    public String toString() {
        return "Georeference[pixelToMap=" + Arrays.toString(pixelToMap) + ", epsg=" + epsg + ", crsName=" + crsName
                + ", source=" + source + "]";
    }
}
