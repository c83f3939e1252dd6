package io.rsground.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.Dimension;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    @TempDir
    Path dir;

    @Test
    void pngRoundTripsExactlyAsBgr() throws IOException {
        BufferedImage source = randomRgb(new Random(1), 37, 23);
        Path file = write(source, "png", "rgb.png");
        BufferedImage read = Images.read(file);
        assertThat(read.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
        assertThat(RgbConverter.isPlainBgr(read)).isTrue();
        assertSameRgb(read, source);
        // the in-memory variant decodes the same pixels
        assertSameRgb(Images.read(Files.readAllBytes(file), "rgb.png"), source);
        assertThat(Images.readSize(file)).isEqualTo(new Dimension(37, 23));
    }

    @Test
    void jpegDecodesWithoutCopyToBgr() throws IOException {
        BufferedImage source = smoothRgb(64, 48);
        Path file = write(source, "jpg", "smooth.jpg");
        BufferedImage read = Images.read(file);
        assertThat(read.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
        assertThat(RgbConverter.isPlainBgr(read)).isTrue();
        // lossy, but a smooth image survives within a few levels
        assertThat(meanAbsDiff(read, source)).isLessThan(3.0);
    }

    @Test
    void greyIsReplicatedWithoutGammaConversion() throws IOException {
        BufferedImage grey = new BufferedImage(16, 4, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = grey.getRaster();
        for (int x = 0; x < 16; x++) {
            for (int y = 0; y < 4; y++) {
                raster.setSample(x, y, 0, x * 16 + y);
            }
        }
        BufferedImage read = Images.read(write(grey, "png", "grey.png"));
        for (int x = 0; x < 16; x++) {
            for (int y = 0; y < 4; y++) {
                int v = x * 16 + y;
                // Java 2D's own grey -> sRGB conversion would brighten 64 to about 136
                assertThat(read.getRGB(x, y) & 0xffffff).isEqualTo(v << 16 | v << 8 | v);
            }
        }
    }

    @Test
    void alphaIsDroppedNotComposited() throws IOException {
        BufferedImage rgba = new BufferedImage(4, 4, BufferedImage.TYPE_INT_ARGB);
        rgba.setRGB(0, 0, 0x00123456); // fully transparent, colour kept (as PIL's convert("RGB"))
        rgba.setRGB(1, 0, 0x80ff0000);
        BufferedImage read = Images.read(write(rgba, "png", "rgba.png"));
        assertThat(read.getRGB(0, 0) & 0xffffff).isEqualTo(0x123456);
        assertThat(read.getRGB(1, 0) & 0xffffff).isEqualTo(0xff0000);
    }

    @Test
    void paletteIsLookedUp() throws IOException {
        byte[] r = {(byte) 255, 0, 10};
        byte[] g = {0, (byte) 200, 20};
        byte[] b = {0, 0, 30};
        BufferedImage indexed = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(2, 3, r, g, b));
        for (int x = 0; x < 3; x++) {
            indexed.getRaster().setSample(x, 0, 0, x);
        }
        BufferedImage read = Images.read(write(indexed, "png", "palette.png"));
        assertThat(read.getRGB(0, 0) & 0xffffff).isEqualTo(0xff0000);
        assertThat(read.getRGB(1, 0) & 0xffffff).isEqualTo(0x00c800);
        assertThat(read.getRGB(2, 0) & 0xffffff).isEqualTo(0x0a141e);
    }

    @Test
    void sixteenBitGreyIsStretchedBetweenPercentiles() throws IOException {
        // values 0..999, each once (40 x 25). 2 % of 1000 samples = 20: the 20th smallest value is 19;
        // 98 % = 980: the 980th is 979. So v -> (v - 19) * 255 / 960, clipped: 19 -> 0, 979 -> 255,
        // 499 -> 127.5 -> 128 (half to even), 0 -> 0 (clipped), 999 -> 255 (clipped), 500 -> 127.77 -> 128
        BufferedImage deep = new BufferedImage(40, 25, BufferedImage.TYPE_USHORT_GRAY);
        for (int i = 0; i < 1000; i++) {
            deep.getRaster().setSample(i % 40, i / 40, 0, i);
        }
        for (String format : new String[] {"png", "tif"}) {
            BufferedImage read = Images.read(write(deep, format, "deep." + format));
            int[] expected = {0, 0, 0, 128, 128, 255, 255};
            int[] values = {0, 10, 19, 499, 500, 979, 999};
            for (int k = 0; k < values.length; k++) {
                int rgb = read.getRGB(values[k] % 40, values[k] / 40) & 0xffffff;
                int e = expected[k];
                assertThat(rgb).as("%s value %d", format, values[k]).isEqualTo(e << 16 | e << 8 | e);
            }
        }
    }

    @Test
    void multiBandTiffWithBandSelection() throws IOException {
        // 5 bands of 16-bit samples; band b (1-based) holds b * 1000 + x: each band spans 1000..1000+w-1
        int w = 50;
        int h = 2;
        int bands = 5;
        WritableRaster raster = Raster.createWritableRaster(
                new PixelInterleavedSampleModel(DataBuffer.TYPE_USHORT, w, h, bands, w * bands, new int[] {0, 1, 2, 3, 4}), null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int b = 0; b < bands; b++) {
                    // band 3 runs the other way, to tell the bands apart after stretching
                    raster.setSample(x, y, b, (b + 1) * 1000 + (b == 2 ? w - 1 - x : x));
                }
            }
        }
        BufferedImage image = new BufferedImage(new ComponentColorModel(new PlainBands(bands), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT), raster, false, null);
        Path file = writeTiff(image, "five.tif");

        assertThatThrownBy(() -> Images.read(file)).isInstanceOf(UnreadableImageException.class)
                .hasMessageContaining("five.tif").hasMessageContaining("5 bands").hasMessageContaining("withBands");
        assertThatThrownBy(() -> Images.read(file, ReadOptions.DEFAULT.withBands(3, 2, 6)))
                .hasMessageContaining("five.tif").hasMessageContaining("band 6").hasMessageContaining("5 bands");

        // bands 3, 2, 1 -> R, G, B; each stretched over its own 2..98 % range. 100 samples per band,
        // each offset 0..49 twice: the 2nd smallest is offset 0, the 98th offset 48, so offset x maps
        // to x * 255 / 48 (x = 25: 132.8 -> 133; x = 24: 127.5 -> 128; 49 -> 260 -> 255)
        BufferedImage read = Images.read(file, ReadOptions.DEFAULT.withBands(3, 2, 1));
        assertThat(stretch(25, 0, 48)).isEqualTo(133);
        assertThat(stretch(24, 0, 48)).isEqualTo(128);
        for (int x : new int[] {0, 1, 24, 25, 48, 49}) {
            int up = stretch(x, 0, 48);
            int down = stretch(w - 1 - x, 0, 48);
            assertThat(read.getRGB(x, 1) & 0xffffff).as("x=%d", x).isEqualTo(down << 16 | up << 8 | up);
        }
        // one band shows as grey
        BufferedImage grey = Images.read(file, ReadOptions.DEFAULT.withBands(3));
        int v = stretch(w - 1 - 10, 0, 48);
        assertThat(grey.getRGB(10, 0) & 0xffffff).isEqualTo(v << 16 | v << 8 | v);
    }

    @Test
    void eightBitRgbTiffReadsAsIs() throws IOException {
        BufferedImage source = randomRgb(new Random(4), 21, 9);
        assertSameRgb(Images.read(write(source, "tif", "rgb.tif")), source);
    }

    @Test
    void fourChannelJpegIsColourConverted() throws IOException {
        // the JDK writes a 4-band raster as a CMYK JPEG and reads it back in a CMYK colour space
        int w = 64;
        int h = 48;
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                cmyk.setSample(x, y, 0, x * 4);
                cmyk.setSample(x, y, 1, y * 5);
                cmyk.setSample(x, y, 2, 40);
                cmyk.setSample(x, y, 3, 10);
            }
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        Path file = dir.resolve("cmyk.jpg");
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new javax.imageio.IIOImage(cmyk, null, null), null);
        } finally {
            writer.dispose();
        }
        BufferedImage read = Images.read(file);
        assertThat(read.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
        // the first ink drives red alone, the second green alone: all four bands were used
        int redLeft = read.getRGB(2, 24) >> 16 & 0xff;
        int redRight = read.getRGB(61, 24) >> 16 & 0xff;
        int greenTop = read.getRGB(32, 2) >> 8 & 0xff;
        int greenBottom = read.getRGB(32, 45) >> 8 & 0xff;
        assertThat(Math.abs(redRight - redLeft)).isGreaterThan(60);
        assertThat(Math.abs(greenBottom - greenTop)).isGreaterThan(60);
        assertThat(Math.abs((read.getRGB(2, 2) >> 8 & 0xff) - (read.getRGB(61, 2) >> 8 & 0xff))).isLessThan(12);
    }

    @Test
    void decompressionBombPngIsRefusedFromItsHeader() throws IOException {
        // a valid PNG declaring 100,000 x 100,000 RGB pixels (30 GB decoded) in a few hundred bytes
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, pngHeaderOnly(100_000, 100_000));
        assertThat(Files.size(bomb)).isLessThan(1000);
        assertThat(Images.readSize(bomb)).isEqualTo(new Dimension(100_000, 100_000));
        assertThatThrownBy(() -> Images.read(bomb)).isInstanceOf(ImageTooLargeException.class)
                .hasMessageContaining("bomb.png").hasMessageContaining("100000 x 100000")
                .hasMessageContaining("10,000,000,000 pixels").hasMessageContaining("limit of 50,000,000");
    }

    @Test
    void hugeTiffIsRefusedFromItsHeader() throws IOException {
        Path huge = dir.resolve("huge.tif");
        Files.write(huge, tiffHeaderOnly(20_000, 20_000));
        assertThatThrownBy(() -> Images.read(huge)).isInstanceOf(ImageTooLargeException.class)
                .hasMessageContaining("huge.tif").hasMessageContaining("20000 x 20000")
                .hasMessageContaining("400,000,000 pixels");
    }

    @Test
    void pixelLimitIsConfigurable() throws IOException {
        Path file = write(randomRgb(new Random(2), 30, 20), "png", "small.png");
        assertThat(Images.read(file, ReadOptions.DEFAULT.withMaxPixels(600)).getWidth()).isEqualTo(30);
        assertThatThrownBy(() -> Images.read(file, ReadOptions.DEFAULT.withMaxPixels(599)))
                .isInstanceOf(ImageTooLargeException.class).hasMessageContaining("small.png").hasMessageContaining("30 x 20").hasMessageContaining("limit of 599");
    }

    @Test
    void truncatedJpegIsUnreadable() throws IOException {
        byte[] jpeg = encode(randomRgb(new Random(3), 200, 150), "jpg");
        Path file = dir.resolve("cut.jpg");
        Files.write(file, Arrays.copyOf(jpeg, jpeg.length * 6 / 10));
        // plain ImageIO returns a partly grey image and only warns
        assertThat(ImageIO.read(file.toFile())).isNotNull();
        assertThatThrownBy(() -> Images.read(file)).isInstanceOf(UnreadableImageException.class)
                .hasMessageContaining("cut.jpg").hasMessageContaining("truncated or corrupt JPEG data")
                // the JDK's libjpeg wrapper words libjpeg's "Premature end of JPEG file" this way
                .hasMessageContaining("Missing EOI marker");
        // the intact file reads
        assertThat(Images.read(jpeg, "whole.jpg").getWidth()).isEqualTo(200);
    }

    @Test
    void truncatedPngIsUnreadable() throws IOException {
        byte[] png = encode(randomRgb(new Random(5), 200, 150), "png");
        Path file = dir.resolve("cut.png");
        Files.write(file, Arrays.copyOf(png, png.length * 6 / 10));
        assertThatThrownBy(() -> Images.read(file)).isInstanceOf(UnreadableImageException.class)
                .hasMessageContaining("cut.png");
    }

    @Test
    void notAnImage() throws IOException {
        Path text = dir.resolve("notes.jpg");
        Files.writeString(text, "this is not an image", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Images.read(text)).isInstanceOf(UnreadableImageException.class)
                .hasMessageContaining("notes.jpg").hasMessageContaining("not an image");
        Path empty = Files.createFile(dir.resolve("empty.png"));
        assertThatThrownBy(() -> Images.read(empty)).isInstanceOf(UnreadableImageException.class)
                .hasMessageContaining("empty.png");
        assertThatThrownBy(() -> Images.read(dir.resolve("missing.png"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("missing.png");
    }

    @Test
    void aFileOfNoImageFormatNamesTheFormatsExpectedNotTheDecoderLibrary() throws IOException {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "this is not an image", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Images.read(text)).isInstanceOf(UnreadableImageException.class)
                .hasMessage(text + ": not an image (JPEG, PNG, TIFF, BMP or GIF expected)");
        assertThatThrownBy(() -> Images.readSize("<html>".getBytes(StandardCharsets.UTF_8), "upload.html"))
                .hasMessage("upload.html: not an image (JPEG, PNG, TIFF, BMP or GIF expected)");
        // the formats named are ones this build reads
        assertThat(Arrays.stream(ImageIO.getReaderFormatNames()).map(f -> f.toUpperCase(Locale.ROOT)))
                .contains("JPEG", "PNG", "TIFF", "BMP", "GIF");
    }

    @Test
    void aMissingFileAndAFolderAreToldApart() throws IOException {
        Path missing = dir.resolve("missing.png");
        assertThatThrownBy(() -> Images.read(missing)).isInstanceOf(NoSuchFileException.class)
                .hasMessage(missing + ": no such file");
        assertThatThrownBy(() -> Images.readSize(missing)).hasMessage(missing + ": no such file");
        Path folder = Files.createDirectory(dir.resolve("scenes.png"));
        assertThatThrownBy(() -> Images.read(folder)).isInstanceOf(FileSystemException.class)
                .isNotInstanceOf(NoSuchFileException.class).hasMessage(folder + ": is a folder, not an image file");
        assertThatThrownBy(() -> Images.readSize(folder)).hasMessage(folder + ": is a folder, not an image file");
    }

    private static int stretch(int v, int low, int high) {
        return (int) Math.max(0, Math.min(255, Math.rint((v - low) * 255.0 / (high - low))));
    }

    private Path write(BufferedImage image, String format, String name) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, encode(image, format));
        return file;
    }

    private Path writeTiff(BufferedImage image, String name) throws IOException {
        // the JDK's TIFF writer: TwelveMonkeys' cannot name a photometric for five plain bands
        ImageWriter writer = null;
        for (var it = ImageIO.getImageWritersByFormatName("tiff"); it.hasNext();) {
            ImageWriter candidate = it.next();
            if (candidate.getClass().getName().startsWith("com.sun.imageio.plugins.tiff.")) {
                writer = candidate;
            }
        }
        assertThat(writer).as("the JDK TIFF writer").isNotNull();
        Path file = dir.resolve(name);
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(image);
        } finally {
            writer.dispose();
        }
        return file;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).as("a %s writer for %s", format, image).isTrue();
        return out.toByteArray();
    }

    private static BufferedImage randomRgb(Random random, int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        return image;
    }

    private static BufferedImage smoothRgb(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new java.awt.GradientPaint(0, 0, new Color(20, 120, 200), w, h, new Color(230, 90, 30)));
        g.fillRect(0, 0, w, h);
        g.dispose();
        return image;
    }

    private static void assertSameRgb(BufferedImage actual, BufferedImage expected) {
        assertThat(actual.getWidth()).isEqualTo(expected.getWidth());
        assertThat(actual.getHeight()).isEqualTo(expected.getHeight());
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                assertThat(actual.getRGB(x, y) & 0xffffff).as("pixel %d,%d", x, y)
                        .isEqualTo(expected.getRGB(x, y) & 0xffffff);
            }
        }
    }

    private static double meanAbsDiff(BufferedImage a, BufferedImage b) {
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift < 24; shift += 8) {
                    sum += Math.abs((p >> shift & 0xff) - (q >> shift & 0xff));
                }
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    /** A PNG whose IHDR declares the size but whose single IDAT holds one row only. */
    private static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        Deflater deflater = new Deflater();
        deflater.setInput(new byte[1 + 3 * 64]);
        deflater.finish();
        byte[] idat = new byte[512];
        int n = deflater.deflate(idat);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", Arrays.copyOf(idat, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** A little-endian baseline TIFF header (8-bit grey, one strip) with a few data bytes. */
    private static byte[] tiffHeaderOnly(int width, int height) {
        short[][] entries = {
            // tag, type (3 SHORT, 4 LONG), value index into the values below
            {256, 4}, {257, 4}, {258, 3}, {259, 3}, {262, 3}, {273, 4}, {277, 3}, {278, 4}, {279, 4},
        };
        long[] values = {width, height, 8, 1, 1, 0, 1, height, (long) width * height};
        int ifdSize = 2 + entries.length * 12 + 4;
        int dataOffset = 8 + ifdSize;
        values[5] = dataOffset;
        ByteBuffer b = ByteBuffer.allocate(dataOffset + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'I').put((byte) 'I').putShort((short) 42).putInt(8);
        b.putShort((short) entries.length);
        for (int i = 0; i < entries.length; i++) {
            b.putShort(entries[i][0]).putShort(entries[i][1]).putInt(1);
            if (entries[i][1] == 3) {
                b.putShort((short) values[i]).putShort((short) 0);
            } else {
                b.putInt((int) values[i]);
            }
        }
        b.putInt(0);
        return b.array();
    }

    /** A colour space for plain multi-band data, as multispectral TIFFs hold. */
    private static final class PlainBands extends ColorSpace {
        private static final long serialVersionUID = 1L;

        PlainBands(int bands) {
            super(bands == 5 ? TYPE_5CLR : TYPE_4CLR, bands);
        }

        @Override
        public float[] toRGB(float[] value) {
            return new float[] {value[0], value[1], value[2]};
        }

        @Override
        public float[] fromRGB(float[] rgb) {
            float[] v = new float[getNumComponents()];
            System.arraycopy(rgb, 0, v, 0, 3);
            return v;
        }

        @Override
        public float[] toCIEXYZ(float[] value) {
            return toRGB(value);
        }

        @Override
        public float[] fromCIEXYZ(float[] xyz) {
            return fromRGB(xyz);
        }
    }
}
