package io.rsground.geo;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.plugins.tiff.GeoTIFFTagSet;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFField;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test helper's files, read back with the JDK's TIFF reader. */
class GeoTiffsTest {
    @TempDir
    Path dir;

    @Test
    void tiePointFileHasItsSizeTilesPixelsAndTags() throws IOException {
        BufferedImage image = GeoTiffs.pattern(300, 200);
        Path file = dir.resolve("a.tif");
        GeoTiffs.writeTiled(file, image, 128, 500000, 4000000, 10, 32631);
        try (Opened tiff = Opened.of(file)) {
            assertThat(tiff.reader.getWidth(0)).isEqualTo(300);
            assertThat(tiff.reader.getHeight(0)).isEqualTo(200);
            assertThat(tiff.reader.isImageTiled(0)).isTrue();
            assertThat(tiff.reader.getTileWidth(0)).isEqualTo(128);
            assertThat(tiff.reader.getTileHeight(0)).isEqualTo(128);
            TIFFDirectory ifd = tiff.directory();
            assertThat(doubles(ifd, GeoTIFFTagSet.TAG_MODEL_PIXEL_SCALE)).containsExactly(10, 10, 0);
            assertThat(doubles(ifd, GeoTIFFTagSet.TAG_MODEL_TIE_POINT)).containsExactly(0, 0, 0, 500000, 4000000, 0);
            // header 1,1,0,3 then (GTModelType=projected, GTRasterType=area, ProjectedCSType=32631)
            assertThat(ifd.getTIFFField(GeoTIFFTagSet.TAG_GEO_KEY_DIRECTORY).getAsInts())
                    .containsExactly(1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32631);
            BufferedImage back = tiff.reader.read(0);
            for (int y = 0; y < 200; y += 7) {
                for (int x = 0; x < 300; x += 5) {
                    assertThat(back.getRGB(x, y)).as("pixel %d,%d", x, y).isEqualTo(image.getRGB(x, y));
                }
            }
        }
    }

    @Test
    void transformationAndPlainVariants() throws IOException {
        Path transformed = dir.resolve("m.tif");
        GeoTiffs.writeTiledTransformation(transformed, GeoTiffs.pattern(64, 48), 16,
                new double[] {2, 0.5, 100, 0.25, -2, 900}, 4326);
        try (Opened tiff = Opened.of(transformed)) {
            assertThat(doubles(tiff.directory(), GeoTIFFTagSet.TAG_MODEL_TRANSFORMATION))
                    .containsExactly(2, 0.5, 0, 100, 0.25, -2, 0, 900, 0, 0, 0, 0, 0, 0, 0, 1);
            // geographic: GTModelType 2 and GeographicTypeGeoKey 2048
            assertThat(tiff.directory().getTIFFField(GeoTIFFTagSet.TAG_GEO_KEY_DIRECTORY).getAsInts())
                    .containsSubsequence(1024, 0, 1, 2).containsSubsequence(2048, 0, 1, 4326);
        }
        Path plain = dir.resolve("p.tif");
        GeoTiffs.writePlainTiled(plain, GeoTiffs.pattern(64, 48), 32);
        try (Opened tiff = Opened.of(plain)) {
            assertThat(tiff.reader.getTileWidth(0)).isEqualTo(32);
            assertThat(tiff.directory().getTIFFField(GeoTIFFTagSet.TAG_GEO_KEY_DIRECTORY)).isNull();
            assertThat(tiff.directory().getTIFFField(GeoTIFFTagSet.TAG_MODEL_TIE_POINT)).isNull();
        }
    }

    @Test
    void hugeFileDeclaresItsSizeButStaysSmall() throws IOException {
        Path file = dir.resolve("huge.tif");
        GeoTiffs.writeHugeTiled(file, 20000, 20000, 512, 500000, 4000000, 0.5, 32631);
        assertThat(Files.size(file)).isLessThan(16L << 20);
        try (Opened tiff = Opened.of(file)) {
            assertThat(tiff.reader.getWidth(0)).isEqualTo(20000);
            assertThat(tiff.reader.getHeight(0)).isEqualTo(20000);
            assertThat(tiff.reader.getTileWidth(0)).isEqualTo(512);
            assertThat(tiff.reader.getTileHeight(0)).isEqualTo(512);
            // the last, partial tile (19968..19999) decodes to its colour
            BufferedImage tile = tiff.reader.readTile(0, 39, 39);
            assertThat(tile.getRGB(0, 0) & 0xFFFFFF).isEqualTo(GeoTiffs.hugeRgb(19968, 19968, 512));
        }
    }

    private static double[] doubles(TIFFDirectory ifd, int tag) {
        TIFFField field = ifd.getTIFFField(tag);
        assertThat(field).as("tag %d", tag).isNotNull();
        double[] values = new double[field.getCount()];
        for (int i = 0; i < values.length; i++) {
            values[i] = field.getAsDouble(i);
        }
        return values;
    }

    /** The JDK's TIFF reader on a file. */
    private record Opened(ImageInputStream stream, ImageReader reader) implements AutoCloseable {
        static Opened of(Path file) throws IOException {
            ImageInputStream stream = ImageIO.createImageInputStream(file.toFile());
            Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("tiff");
            while (readers.hasNext()) {
                ImageReader reader = readers.next();
                if (reader.getClass().getName().startsWith("com.sun.")) {
                    reader.setInput(stream);
                    return new Opened(stream, reader);
                }
            }
            throw new AssertionError("no JDK TIFF reader");
        }

        TIFFDirectory directory() throws IOException {
            IIOMetadata metadata = reader.getImageMetadata(0);
            return TIFFDirectory.createFromMetadata(metadata);
        }

        @Override
        public void close() throws IOException {
            reader.dispose();
            stream.close();
        }
    }
}
