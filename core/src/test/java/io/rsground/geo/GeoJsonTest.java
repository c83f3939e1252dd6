package io.rsground.geo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeoJsonTest {
    private static final Georeference UTM = Georeference.of(new double[] {10, 0, 500000, 0, -10, 4000000}, 32631, "GeoTIFF");
    private static final List<GeoJson.Feature> FEATURES = List.of(
            new GeoJson.Feature("the red roof", 0.875, new double[] {10, 20, 30, 50}, 1),
            new GeoJson.Feature("a ship", null, new double[] {0, 0, 1, 1}, 2));

    @TempDir
    Path dir;

    @Test
    void polygonsInMapCoordinatesWithTheNamedCrs() {
        ObjectNode json = GeoJson.toJson(UTM, FEATURES);
        assertThat(json.get("type").asText()).isEqualTo("FeatureCollection");
        assertThat(json.at("/crs/type").asText()).isEqualTo("name");
        assertThat(json.at("/crs/properties/name").asText()).isEqualTo("urn:ogc:def:crs:EPSG::32631");
        assertThat(json.has(GeoJson.COORDINATES_MEMBER)).isFalse();
        JsonNode first = json.at("/features/0");
        assertThat(first.get("type").asText()).isEqualTo("Feature");
        assertThat(first.at("/geometry/type").asText()).isEqualTo("Polygon");
        // box (10,20)-(30,50) at 10 m from (500000, 4000000): x = 500000 + 10 col, y = 4000000 - 10 row,
        // ring TL, BL, BR, TR, TL (counter-clockwise on the map)
        assertThat(ring(first)).containsExactly(
                500100, 3999800, 500100, 3999500, 500300, 3999500, 500300, 3999800, 500100, 3999800);
        assertThat(first.at("/properties/query").asText()).isEqualTo("the red roof");
        assertThat(first.at("/properties/score").asDouble()).isEqualTo(0.875);
        assertThat(first.at("/properties/rank").asInt()).isEqualTo(1);
        assertThat(first.at("/properties/box_xyxy").toString()).isEqualTo("[10.0,20.0,30.0,50.0]");
        JsonNode second = json.at("/features/1");
        assertThat(second.at("/properties/score").isNull()).isTrue();
        assertThat(second.at("/properties").has("score")).isTrue();
        assertThat(ring(second)).containsExactly(
                500000, 4000000, 500000, 3999990, 500010, 3999990, 500010, 4000000, 500000, 4000000);
    }

    @Test
    void wgs84IsNamedCrs84AndUnknownCrsHasNoMember() {
        Georeference lonLat = Georeference.of(new double[] {0.001, 0, 2, 0, -0.001, 48}, 4326, "GeoTIFF");
        assertThat(GeoJson.toJson(lonLat, FEATURES).at("/crs/properties/name").asText())
                .isEqualTo("urn:ogc:def:crs:OGC:1.3:CRS84");
        Georeference unknown = Georeference.of(new double[] {1, 0, 0, 0, -1, 0}, null, "world file a.tfw");
        ObjectNode json = GeoJson.toJson(unknown, FEATURES);
        assertThat(json.has("crs")).isFalse();
        assertThat(json.has(GeoJson.COORDINATES_MEMBER)).isFalse();
    }

    @Test
    void withoutGeoreferenceThePolygonsArePixels() {
        ObjectNode json = GeoJson.toJson(null, FEATURES);
        assertThat(json.get(GeoJson.COORDINATES_MEMBER).asText()).isEqualTo("pixels");
        assertThat(json.has("crs")).isFalse();
        assertThat(ring(json.at("/features/0"))).containsExactly(10, 20, 30, 20, 30, 50, 10, 50, 10, 20);
        assertThat(GeoJson.toJson(null, List.of()).get("features")).isEmpty();
    }

    @Test
    void writesAndRefusesToOverwrite() throws IOException {
        Path out = dir.resolve("sub").resolve("boxes.geojson");
        GeoJson.write(out, UTM, FEATURES, false);
        JsonNode back = new ObjectMapper().readTree(out.toFile());
        assertThat(back).isEqualTo(GeoJson.toJson(UTM, FEATURES));
        assertThatThrownBy(() -> GeoJson.write(out, null, FEATURES, false))
                .isInstanceOf(FileAlreadyExistsException.class).hasMessageContaining(out.toString())
                .hasMessageContaining("refusing to overwrite");
        assertThat(new ObjectMapper().readTree(out.toFile())).isEqualTo(back);
        GeoJson.write(out, null, FEATURES.subList(0, 1), true);
        JsonNode replaced = new ObjectMapper().readTree(out.toFile());
        assertThat(replaced.get(GeoJson.COORDINATES_MEMBER).asText()).isEqualTo("pixels");
        assertThat(replaced.get("features")).hasSize(1);
        assertThat(Files.readString(out)).doesNotContain("NaN");
    }

    @Test
    void refusesMalformedBoxes() {
        assertThatThrownBy(() -> new GeoJson.Feature("q", 1.0, new double[] {1, 2, 3}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"q\"").hasMessageContaining("4 finite");
        assertThatThrownBy(() -> new GeoJson.Feature("q", 1.0, new double[] {1, 2, 3, Double.NaN}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }

    private static double[] ring(JsonNode feature) {
        JsonNode points = feature.at("/geometry/coordinates/0");
        double[] flat = new double[points.size() * 2];
        for (int i = 0; i < points.size(); i++) {
            assertThat(points.get(i)).hasSize(2);
            flat[2 * i] = points.get(i).get(0).asDouble();
            flat[2 * i + 1] = points.get(i).get(1).asDouble();
        }
        return flat;
    }
}
