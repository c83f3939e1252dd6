package io.rsground.geo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SceneReaderTest {
    @TempDir
    Path dir;

    @Test
    void windowOfATiledTiffEqualsTheCrop() throws IOException {
        BufferedImage image = GeoTiffs.pattern(700, 500);
        Path file = dir.resolve("scene.tif");
        GeoTiffs.writeTiled(file, image, 128, 500000, 4000000, 10, 32631);
        try (SceneReader reader = SceneReader.open(file)) {
            assertThat(reader.width()).isEqualTo(700);
            assertThat(reader.height()).isEqualTo(500);
            assertThat(reader.regionsAreCheap()).isTrue();
            // spans 3 x 3 tiles
            assertSameAsCrop(reader.read(new Rectangle(100, 90, 300, 250)), image, 100, 90, 300, 250);
            // past the bottom-right edge: clipped to 50 x 50
            assertSameAsCrop(reader.read(new Rectangle(650, 450, 100, 100)), image, 650, 450, 50, 50);
            assertThatThrownBy(() -> reader.read(new Rectangle(700, 0, 10, 10)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scene.tif")
                    .hasMessageContaining("outside the 700x500 image");
        }
    }

    @Test
    void windowOfAPngIsExactButNotCheap() throws IOException {
        BufferedImage image = GeoTiffs.pattern(120, 90);
        Path file = dir.resolve("scene.png");
        ImageIO.write(image, "png", file.toFile());
        try (SceneReader reader = SceneReader.open(file)) {
            assertThat(reader.regionsAreCheap()).isFalse();
            BufferedImage window = reader.read(new Rectangle(30, 40, 50, 20));
            assertThat(window.getType()).isIn(BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB);
            assertSameAsCrop(window, image, 30, 40, 50, 20);
        }
        Path jpeg = dir.resolve("scene.jpg");
        ImageIO.write(image, "jpg", jpeg.toFile());
        try (SceneReader reader = SceneReader.open(jpeg)) {
            assertThat(reader.regionsAreCheap()).isFalse();
            assertThat(reader.read(new Rectangle(0, 0, 10, 10)).getWidth()).isEqualTo(10);
        }
    }

    @Test
    void greyTiffComesBackAsRgb() throws IOException {
        BufferedImage grey = new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(5, 6, 0, 200);
        Path file = dir.resolve("grey.tif");
        GeoTiffs.writePlainTiled(file, grey, 32);
        try (SceneReader reader = SceneReader.open(file)) {
            BufferedImage window = reader.read(new Rectangle(0, 0, 40, 40));
            assertThat(window.getType()).isIn(BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_INT_RGB);
            assertThat(window.getRGB(5, 6) & 0xFFFFFF).isEqualTo(0xC8C8C8);
            assertThat(window.getRGB(6, 6) & 0xFFFFFF).isZero();
        }
    }

    @Test
    void windowOfAHugeTiffDecodesOnlyItsTiles() throws IOException {
        Path file = dir.resolve("huge.tif");
        GeoTiffs.writeHugeTiled(file, 20000, 20000, 512, 500000, 4000000, 0.5, 32631);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        BufferedImage window;
        try (SceneReader reader = SceneReader.open(file)) {
            assertThat(reader.width()).isEqualTo(20000);
            assertThat(reader.height()).isEqualTo(20000);
            assertThat(reader.regionsAreCheap()).isTrue();
            // straddles four tiles around the centre
            window = reader.read(new Rectangle(10000 - 256, 10000 - 256, 512, 512));
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // the whole image would be 1.2 GB of samples; four 512 x 512 RGB tiles and the window are a few MB
        assertThat(allocated).isLessThan(100L << 20);
        assertThat(window.getWidth()).isEqualTo(512);
        assertThat(window.getHeight()).isEqualTo(512);
        for (int y = 0; y < 512; y += 17) {
            for (int x = 0; x < 512; x += 13) {
                assertThat(window.getRGB(x, y) & 0xFFFFFF).as("pixel %d,%d", x, y)
                        .isEqualTo(GeoTiffs.hugeRgb(10000 - 256 + x, 10000 - 256 + y, 512));
            }
        }
        assertThat(Georeferencing.read(file).orElseThrow().toMap(20000, 20000)).containsExactly(510000, 3990000);
    }

    @Test
    void missingAndUnreadableFiles() throws IOException {
        assertThatThrownBy(() -> SceneReader.open(dir.resolve("none.tif")))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("none.tif");
        Path text = dir.resolve("notes.tif");
        Files.writeString(text, "not an image");
        assertThatThrownBy(() -> SceneReader.open(text))
                .isInstanceOf(IOException.class).hasMessageContaining("notes.tif");
    }

    private static void assertSameAsCrop(BufferedImage window, BufferedImage image, int x0, int y0, int w, int h) {
        assertThat(window.getWidth()).isEqualTo(w);
        assertThat(window.getHeight()).isEqualTo(h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (window.getRGB(x, y) != image.getRGB(x0 + x, y0 + y)) {
                    throw new AssertionError("pixel " + x + "," + y + " of the window: " + Integer.toHexString(window.getRGB(x, y))
                            + ", image at " + (x0 + x) + "," + (y0 + y) + ": " + Integer.toHexString(image.getRGB(x0 + x, y0 + y)));
                }
            }
        }
    }
}
