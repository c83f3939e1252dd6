package io.rsground.geo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Writes grounding results as a GeoJSON FeatureCollection, one Polygon feature per box.
 *
 * <p>With a {@link Georeference} the polygons are in map coordinates (x = easting or longitude)
 * and, when the CRS is known, the collection carries the named-CRS member of the 2008 GeoJSON
 * draft, {@code "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32631"}}},
 * which RFC 7946 dropped but QGIS and GDAL still read (without it they assume WGS 84 longitude
 * and latitude, which is also what {@code urn:ogc:def:crs:OGC:1.3:CRS84} says). Without a
 * georeference the polygons are in pixel coordinates (x = column, y = row, both at pixel corners)
 * and the collection says so with {@code "rsground:coordinates": "pixels"}.
 *
 * <p>Each feature's properties: {@code query}, {@code score} (null when there is none),
 * {@code box_xyxy} (the box in pixels, x1 y1 x2 y2) and {@code rank} (as given).
 */
public final class GeoJson {
    /** The top-level member telling a reader that the coordinates are pixels, not map units. */
    public static final String COORDINATES_MEMBER = "rsground:coordinates";

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private GeoJson() {
    }

    /**
     * One box found for one query.
     *
     * @param query the text that was grounded
     * @param score the model's confidence, or null
     * @param boxXyxy {x1, y1, x2, y2} in pixel-corner coordinates of the image
     * @param rank the box's rank among the query's boxes (e.g. 1 for the best)
     */
    public record Feature(String query, Double score, double[] boxXyxy, int rank) {
        /** @throws IllegalArgumentException when the box is not four finite numbers */
        public Feature {
            Objects.requireNonNull(query, "query");
            Objects.requireNonNull(boxXyxy, "boxXyxy");
            if (boxXyxy.length != 4 || Arrays.stream(boxXyxy).anyMatch(v -> !Double.isFinite(v))) {
                throw new IllegalArgumentException("box for \"" + query + "\" must be 4 finite numbers x1 y1 x2 y2, got "
                        + Arrays.toString(boxXyxy));
            }
            boxXyxy = boxXyxy.clone();
        }

        /** @return a copy of {x1, y1, x2, y2} */
        @Override
        public double[] boxXyxy() {
            return boxXyxy.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Feature f && query.equals(f.query) && Objects.equals(score, f.score)
                    && Arrays.equals(boxXyxy, f.boxXyxy) && rank == f.rank;
        }

        @Override
        public int hashCode() {
            return Objects.hash(query, score, Arrays.hashCode(boxXyxy), rank);
        }

        @Override
        public String toString() {
            return "Feature[query=" + query + ", score=" + score + ", boxXyxy=" + Arrays.toString(boxXyxy)
                    + ", rank=" + rank + "]";
        }
    }

    /**
     * Writes {@link #toJson} to a file (UTF-8, indented).
     *
     * @param out the file to write
     * @param geoOrNull the image's georeference, or null to write pixel coordinates
     * @param features the boxes
     * @param overwrite whether an existing file may be replaced
     * @throws FileAlreadyExistsException when {@code out} exists and {@code overwrite} is false
     */
    public static void write(Path out, Georeference geoOrNull, List<Feature> features, boolean overwrite)
            throws IOException {
        ObjectNode json = toJson(geoOrNull, features);
        if (!overwrite && Files.exists(out)) {
            throw new FileAlreadyExistsException(out.toString(), null,
                    "refusing to overwrite an existing GeoJSON file; remove it or allow overwriting");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        // CREATE_NEW closes the gap between the check above and the write when overwriting is not allowed
        StandardOpenOption[] options = overwrite
                ? new StandardOpenOption[] {StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE}
                : new StandardOpenOption[] {StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE};
        try (OutputStream stream = Files.newOutputStream(out, options)) {
            MAPPER.writeValue(stream, json);
        } catch (FileAlreadyExistsException e) {
            throw new FileAlreadyExistsException(out.toString(), null,
                    "refusing to overwrite a GeoJSON file that appeared while writing");
        }
    }

    /**
     * @param geoOrNull the image's georeference, or null for pixel coordinates
     * @param features the boxes, written in this order
     * @return the FeatureCollection
     */
    public static ObjectNode toJson(Georeference geoOrNull, List<Feature> features) {
        ObjectNode collection = NODES.objectNode();
        collection.put("type", "FeatureCollection");
        if (geoOrNull == null) {
            collection.put(COORDINATES_MEMBER, "pixels");
        } else if (geoOrNull.crsName() != null) {
            ObjectNode crs = collection.putObject("crs");
            crs.put("type", "name");
            crs.putObject("properties").put("name", geoOrNull.crsName());
        }
        // pixel coordinates are the identity transform; polygon() then keeps the same ring order
        Georeference transform = geoOrNull != null ? geoOrNull
                : Georeference.of(new double[] {1, 0, 0, 0, 1, 0}, null, "pixels");
        ArrayNode array = collection.putArray("features");
        for (Feature feature : features) {
            array.add(feature(feature, transform));
        }
        return collection;
    }

    private static ObjectNode feature(Feature feature, Georeference transform) {
        double[] box = feature.boxXyxy;
        double[] ring = transform.polygon(box[0], box[1], box[2], box[3]);
        ObjectNode node = NODES.objectNode();
        node.put("type", "Feature");
        ObjectNode geometry = node.putObject("geometry");
        geometry.put("type", "Polygon");
        ArrayNode points = geometry.putArray("coordinates").addArray();
        for (int i = 0; i < ring.length; i += 2) {
            points.addArray().add(ring[i]).add(ring[i + 1]);
        }
        ObjectNode properties = node.putObject("properties");
        properties.put("query", feature.query);
        properties.put("score", feature.score);
        ArrayNode pixels = properties.putArray("box_xyxy");
        for (double v : box) {
            pixels.add(v);
        }
        properties.put("rank", feature.rank);
        return node;
    }
}
