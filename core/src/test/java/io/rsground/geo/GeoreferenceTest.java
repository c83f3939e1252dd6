package io.rsground.geo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GeoreferenceTest {
    /** 10 m pixels, north up, top-left corner at (500000, 4000000). */
    private static final double[] UTM = {10, 0, 500000, 0, -10, 4000000};

    @Test
    void mapsPixelCorners() {
        Georeference geo = Georeference.of(UTM, 32631, "test");
        assertThat(geo.toMap(0, 0)).containsExactly(500000, 4000000);
        assertThat(geo.toMap(300, 200)).containsExactly(503000, 3998000);
        assertThat(geo.toMap(0.5, 0.5)).containsExactly(500005, 3999995);
        assertThat(geo.crsName()).isEqualTo("urn:ogc:def:crs:EPSG::32631");
        // a rotated/sheared transform: x = 2c + 0.5r + 100, y = 0.25c - 2r + 900
        Georeference sheared = Georeference.of(new double[] {2, 0.5, 100, 0.25, -2, 900}, null, "test");
        assertThat(sheared.toMap(4, 8)).containsExactly(2 * 4 + 0.5 * 8 + 100, 0.25 * 4 - 2 * 8 + 900);
    }

    @Test
    void crsNames() {
        assertThat(Georeference.crsNameFor(4326)).isEqualTo("urn:ogc:def:crs:OGC:1.3:CRS84");
        assertThat(Georeference.crsNameFor(3857)).isEqualTo("urn:ogc:def:crs:EPSG::3857");
        assertThat(Georeference.crsNameFor(null)).isNull();
        assertThat(Georeference.of(UTM, null, "test").crsName()).isNull();
    }

    @Test
    void polygonIsClosedAndCounterClockwiseOnTheMap() {
        Georeference geo = Georeference.of(UTM, 32631, "test");
        // box (10,20)-(30,50): corners TL, BL, BR, TR, TL, each col*10 + 500000, 4000000 - row*10
        assertThat(geo.polygon(10, 20, 30, 50)).containsExactly(
                500100, 3999800, 500100, 3999500, 500300, 3999500, 500300, 3999800, 500100, 3999800);
        assertThat(signedArea(geo.polygon(10, 20, 30, 50))).isEqualTo(200.0 * 300);
        // identity (y not flipped): TL, TR, BR, BL is already counter-clockwise
        Georeference pixels = Georeference.of(new double[] {1, 0, 0, 0, 1, 0}, null, "pixels");
        assertThat(pixels.polygon(10, 20, 30, 50)).containsExactly(10, 20, 30, 20, 30, 50, 10, 50, 10, 20);
        assertThat(signedArea(geo.polygon(30, 20, 10, 50))).isPositive();
    }

    @Test
    void refusesBadTransforms() {
        assertThatThrownBy(() -> Georeference.of(new double[] {1, 0, 0, 0, 1}, null, "test"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("6 terms").hasMessageContaining("got 5");
        assertThatThrownBy(() -> Georeference.of(new double[] {1, 0, Double.NaN, 0, 1, 0}, null, "test"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("term c is NaN");
        assertThatThrownBy(() -> Georeference.of(new double[] {1, 2, 0, 2, 4, 0}, null, "x.tfw"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("degenerate")
                .hasMessageContaining("[1.0, 2.0, 0.0, 2.0, 4.0, 0.0]").hasMessageContaining("x.tfw");
        assertThatThrownBy(() -> Georeference.of(UTM, 0, "test")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("EPSG code must be positive, got 0");
    }

    @Test
    void valueSemanticsAndDefensiveCopies() {
        double[] terms = UTM.clone();
        Georeference geo = Georeference.of(terms, 32631, "GeoTIFF");
        terms[0] = 99;
        geo.pixelToMap()[0] = 99;
        assertThat(geo.pixelToMap()).containsExactly(UTM);
        assertThat(geo).isEqualTo(Georeference.of(UTM, 32631, "GeoTIFF")).hasSameHashCodeAs(Georeference.of(UTM, 32631, "GeoTIFF"));
        assertThat(geo.toString()).contains("[10.0, 0.0, 500000.0, 0.0, -10.0, 4000000.0]");
    }

    /** @return the shoelace area, positive for a counter-clockwise ring */
    private static double signedArea(double[] ring) {
        double sum = 0;
        for (int i = 0; i + 3 < ring.length; i += 2) {
            sum += ring[i] * ring[i + 3] - ring[i + 2] * ring[i + 1];
        }
        return sum / 2;
    }
}
