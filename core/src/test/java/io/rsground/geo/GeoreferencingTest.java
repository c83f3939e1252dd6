package io.rsground.geo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeoreferencingTest {
    private static final String GDAL_WGS84 = "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,"
            + "298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0],"
            + "UNIT[\"degree\",0.0174532925199433],AUTHORITY[\"EPSG\",\"4326\"]]";
    private static final String ESRI_UTM31N = "PROJCS[\"WGS_1984_UTM_Zone_31N\",GEOGCS[\"GCS_WGS_1984\","
            + "DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],PRIMEM[\"Greenwich\",0.0],"
            + "UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],"
            + "PARAMETER[\"False_Easting\",500000.0],PARAMETER[\"False_Northing\",0.0],"
            + "PARAMETER[\"Central_Meridian\",3.0],PARAMETER[\"Scale_Factor\",0.9996],"
            + "PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]";

    @TempDir
    Path dir;

    @Test
    void tiePointAndPixelScaleInUtm() throws IOException {
        Path file = dir.resolve("utm.tif");
        GeoTiffs.writeTiled(file, GeoTiffs.pattern(300, 200), 128, 500000, 4000000, 10, 32631);
        Georeference geo = Georeferencing.read(file).orElseThrow();
        assertThat(geo.pixelToMap()).containsExactly(10, 0, 500000, 0, -10, 4000000);
        assertThat(geo.epsg()).isEqualTo(32631);
        assertThat(geo.crsName()).isEqualTo("urn:ogc:def:crs:EPSG::32631");
        assertThat(geo.source()).isEqualTo("GeoTIFF");
        assertThat(geo.toMap(0, 0)).containsExactly(500000, 4000000);
        assertThat(geo.toMap(300, 0)).containsExactly(503000, 4000000);
        assertThat(geo.toMap(0, 200)).containsExactly(500000, 3998000);
        assertThat(geo.toMap(300, 200)).containsExactly(503000, 3998000);
    }

    @Test
    void codesOutsideSisSubsetComeFromTheKey() throws IOException {
        // SIS without an EPSG database builds no CRS for Web Mercator or Lambert-93
        for (int code : new int[] {3857, 2154}) {
            Path file = dir.resolve("e" + code + ".tif");
            GeoTiffs.writeTiled(file, GeoTiffs.pattern(32, 32), 16, 1000, 2000, 10, code);
            Georeference geo = Georeferencing.read(file).orElseThrow();
            assertThat(geo.epsg()).isEqualTo(code);
            assertThat(geo.crsName()).isEqualTo("urn:ogc:def:crs:EPSG::" + code);
            assertThat(geo.pixelToMap()).containsExactly(10, 0, 1000, 0, -10, 2000);
        }
    }

    @Test
    void pixelIsPointIsShiftedToCorners() throws IOException {
        Path file = dir.resolve("point.tif");
        GeoTiffs.writeTiled(file, GeoTiffs.pattern(64, 64), 32, 500000, 4000000, 10, 32631, true);
        // the tie point is the centre of pixel (0,0): its corner is half a pixel up and left
        assertThat(Georeferencing.read(file).orElseThrow().pixelToMap())
                .containsExactly(10, 0, 499995, 0, -10, 4000005);
    }

    @Test
    void modelTransformation() throws IOException {
        Path file = dir.resolve("rotated.tif");
        double[] affine = {10, 2, 500000, 1, -10, 4000000};
        GeoTiffs.writeTiledTransformation(file, GeoTiffs.pattern(64, 48), 16, affine, 32631);
        Georeference geo = Georeferencing.read(file).orElseThrow();
        assertThat(geo.pixelToMap()).containsExactly(affine);
        assertThat(geo.toMap(64, 48)).containsExactly(10 * 64 + 2 * 48 + 500000, 64 - 10 * 48 + 4000000);
        assertThat(geo.epsg()).isEqualTo(32631);
    }

    @Test
    void wgs84IsLongitudeFirstCrs84() throws IOException {
        Path file = dir.resolve("ll.tif");
        GeoTiffs.writeTiled(file, GeoTiffs.pattern(100, 50), 32, 2.0, 48.0, 0.001, 4326);
        Georeference geo = Georeferencing.read(file).orElseThrow();
        assertThat(geo.epsg()).isEqualTo(4326);
        assertThat(geo.crsName()).isEqualTo("urn:ogc:def:crs:OGC:1.3:CRS84");
        // x is the longitude: 2.0 + 100 * 0.001; y the latitude: 48.0 - 50 * 0.001
        double[] corner = geo.toMap(100, 50);
        assertThat(corner[0]).isCloseTo(2.1, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(corner[1]).isCloseTo(47.95, org.assertj.core.api.Assertions.within(1e-12));
    }

    @Test
    void plainTiffAndPngHaveNone() throws IOException {
        Path tiff = dir.resolve("plain.tif");
        GeoTiffs.writePlainTiled(tiff, GeoTiffs.pattern(64, 64), 32);
        assertThat(Georeferencing.read(tiff)).isEmpty();
        Path png = dir.resolve("plain.png");
        ImageIO.write(GeoTiffs.pattern(8, 8), "png", png.toFile());
        assertThat(Georeferencing.read(png)).isEmpty();
        assertThatThrownBy(() -> Georeferencing.read(dir.resolve("missing.tif")))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("missing.tif");
    }

    @Test
    void plainAndGeoTiffsLogNoWarning() throws IOException {
        List<LogRecord> records = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    records.add(record);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger sis = Logger.getLogger("org.apache.sis");
        sis.addHandler(handler);
        try {
            Path plain = dir.resolve("plain.tif");
            GeoTiffs.writePlainTiled(plain, GeoTiffs.pattern(64, 64), 32);
            Path geo = dir.resolve("geo.tif");
            GeoTiffs.writeTiled(geo, GeoTiffs.pattern(64, 64), 32, 2.0, 48.0, 0.001, 4326);
            Path world = dir.resolve("w.png");
            ImageIO.write(GeoTiffs.pattern(8, 8), "png", world.toFile());
            Files.writeString(dir.resolve("w.pgw"), "1\n0\n0\n-1\n0.5\n0.5\n");
            Files.writeString(dir.resolve("w.prj"), GDAL_WGS84);
            assertThat(Georeferencing.read(plain)).isEmpty();
            assertThat(Georeferencing.read(geo)).isPresent();
            assertThat(Georeferencing.read(world)).isPresent();
        } finally {
            sis.removeHandler(handler);
        }
        assertThat(records).extracting(LogRecord::getMessage).isEmpty();
        // as SIS makes it: a resource key, the variable's name as parameter (logged once per JVM)
        LogRecord unset = new LogRecord(Level.WARNING, "DataDirectoryNotSpecified_1");
        unset.setParameters(new Object[] {"SIS_DATA"});
        assertThat(Georeferencing.sisSystemLogger().getFilter().isLoggable(unset)).isFalse();
        LogRecord other = new LogRecord(Level.WARNING, "SomethingElse_1");
        other.setParameters(new Object[] {"/data"});
        assertThat(Georeferencing.sisSystemLogger().getFilter().isLoggable(other)).isTrue();
    }

    @Test
    void worldFilesGiveCentresWhichBecomeCorners() throws IOException {
        // .tfw beside a plain TIFF: C, F = centre of pixel (0,0); corner = C - A/2 - B/2, F - D/2 - E/2
        Path tiff = dir.resolve("a.tif");
        GeoTiffs.writePlainTiled(tiff, GeoTiffs.pattern(32, 32), 16);
        Files.writeString(dir.resolve("a.tfw"), "0.5\n0\n0\n-0.5\n1000.25\n2000.75\n");
        Georeference fromTfw = Georeferencing.read(tiff).orElseThrow();
        assertThat(fromTfw.pixelToMap()).containsExactly(0.5, 0, 1000.0, 0, -0.5, 2001.0);
        assertThat(fromTfw.source()).isEqualTo("world file a.tfw");
        assertThat(fromTfw.epsg()).isNull();
        assertThat(fromTfw.crsName()).isNull();

        // rotated .jgw: c = 100 - 2/2 - 0.25/2 = 98.875, f = 200 - 0.5/2 - (-2)/2 = 200.75
        Path jpg = image("b.jpg", "jpg");
        Files.writeString(dir.resolve("b.jgw"), "2\n0.5\n0.25\n-2\n100\n200\n\n");
        assertThat(Georeferencing.read(jpg).orElseThrow().pixelToMap())
                .containsExactly(2, 0.25, 98.875, 0.5, -2, 200.75);

        // .pgw in upper case, with a GDAL .prj naming EPSG:4326
        Path png = image("c.png", "png");
        Files.writeString(dir.resolve("c.PGW"), "1\n0\n0\n-1\n10.5\n20.5\n");
        Files.writeString(dir.resolve("c.prj"), GDAL_WGS84);
        Georeference fromPgw = Georeferencing.read(png).orElseThrow();
        assertThat(fromPgw.pixelToMap()).containsExactly(1, 0, 10, 0, -1, 21);
        assertThat(fromPgw.epsg()).isEqualTo(4326);
        assertThat(fromPgw.crsName()).isEqualTo("urn:ogc:def:crs:OGC:1.3:CRS84");
        assertThat(fromPgw.source()).isEqualTo("world file c.PGW + c.prj");
    }

    @Test
    void prjFilesOfEsriAndGarbage() throws IOException {
        Path png = image("d.png", "png");
        Files.writeString(dir.resolve("d.wld"), "1\n0\n0\n-1\n0\n0\n");
        Files.writeString(dir.resolve("d.prj"), ESRI_UTM31N);
        assertThat(Georeferencing.read(png).orElseThrow().epsg()).isEqualTo(32631);
        Files.writeString(dir.resolve("d.prj"), "PROJCS[\"nonsense\"");
        Optional<Georeference> unknown = Georeferencing.read(png);
        assertThat(unknown.orElseThrow().epsg()).isNull();
        assertThat(unknown.orElseThrow().source()).isEqualTo("world file d.wld + d.prj");
        assertThat(Georeferencing.esriNameCode("WGS_1984_UTM_Zone_33S")).isEqualTo(32733);
        assertThat(Georeferencing.esriNameCode("GCS_WGS_1984")).isEqualTo(4326);
        assertThat(Georeferencing.esriNameCode("WGS_1984_UTM_Zone_61N")).isNull();
    }

    @Test
    void geoTiffKeysWinOverAWorldFile() throws IOException {
        Path file = dir.resolve("both.tif");
        GeoTiffs.writeTiled(file, GeoTiffs.pattern(32, 32), 16, 500000, 4000000, 10, 32631);
        Files.writeString(dir.resolve("both.tfw"), "1\n0\n0\n-1\n0\n0\n");
        assertThat(Georeferencing.read(file).orElseThrow().source()).isEqualTo("GeoTIFF");
    }

    @Test
    void badWorldFilesNameFileAndLine() throws IOException {
        Path png = image("e.png", "png");
        Path pgw = dir.resolve("e.pgw");
        Files.writeString(pgw, "1\n0\nabc\n-1\n0\n0\n");
        assertThatThrownBy(() -> Georeferencing.read(png)).isInstanceOf(IOException.class)
                .hasMessageContaining(pgw.toString()).hasMessageContaining("line 3")
                .hasMessageContaining("expected term B").hasMessageContaining("\"abc\"");
        Files.writeString(pgw, "1\n0\n0\n-1\n0\n");
        assertThatThrownBy(() -> Georeferencing.read(png)).isInstanceOf(IOException.class)
                .hasMessageContaining(pgw.toString()).hasMessageContaining("line 6")
                .hasMessageContaining("expected term F").hasMessageContaining("end of the file");
        Files.writeString(pgw, "1\n0\n0\n-1\n0\n0\n7\n");
        assertThatThrownBy(() -> Georeferencing.read(png)).isInstanceOf(IOException.class)
                .hasMessageContaining("line 7").hasMessageContaining("expected the end of the file");
        Files.writeString(pgw, "0\n0\n0\n0\n0\n0\n");
        assertThatThrownBy(() -> Georeferencing.read(png)).isInstanceOf(IOException.class)
                .hasMessageContaining(pgw.toString()).hasMessageContaining("degenerate");
    }

    @Test
    void worldFileCandidates() {
        assertThat(Georeferencing.worldFileCandidates(Path.of("x", "a.TIF")))
                .extracting(p -> p.getFileName().toString())
                .containsExactly("a.tfw", "a.TFW", "a.tifw", "a.TIFW", "a.tiffw", "a.TIFFW", "a.wld", "a.WLD");
        assertThat(Georeferencing.worldFileCandidates(Path.of("b.bmp")))
                .extracting(Path::toString).startsWith("b.bpw", "b.BPW", "b.bmpw");
    }

    private Path image(String name, String format) throws IOException {
        Path file = dir.resolve(name);
        BufferedImage image = GeoTiffs.pattern(16, 16);
        assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
        return file;
    }
}
