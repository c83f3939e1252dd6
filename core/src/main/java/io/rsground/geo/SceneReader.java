package io.rsground.geo;

import io.rsground.image.Images;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads windows of a large scene (a satellite or aerial image too big to decode whole) as RGB
 * images, one {@link ImageReadParam#setSourceRegion source region} at a time.
 *
 * <p><b>Which TIFF reader.</b> Two TIFF readers are on the classpath: the JDK's
 * ({@code com.sun.imageio.plugins.tiff.TIFFImageReader}) and TwelveMonkeys 3.12's. TwelveMonkeys
 * fails on source regions of multi-tile TIFFs (a {@code RasterFormatException: (x + width) is
 * outside of Raster} for a window spanning tiles of a Deflate-tiled file, seen with 3.12.0), so
 * this class always takes the JDK's reader for TIFF, found by iterating
 * {@code ImageIO.getImageReadersByFormatName("tiff")} for the class whose name starts with
 * {@code com.sun}. The JDK reader decodes only the tiles (or strips) the window touches, so a
 * 512 x 512 window of a 20,000 x 20,000 tiled GeoTIFF costs a few tiles of memory. It does not read
 * BigTIFF; {@link io.rsground.image.Images} falls back to TwelveMonkeys for whole-image reads.
 *
 * <p><b>Other formats</b> use ImageIO's first reader. JPEG and PNG have no random access: the
 * decoder must decode every row from the top down to the window's last row (the source region only
 * saves memory, not time), hence {@link #regionsAreCheap()}.
 *
 * <p><b>Pixels.</b> Windows come back as {@link BufferedImage#TYPE_3BYTE_BGR} or
 * {@link BufferedImage#TYPE_INT_RGB} images; other layouts are drawn into a {@code TYPE_3BYTE_BGR}
 * by Java 2D (grey is replicated, alpha composited over black, 16-bit samples scaled linearly). Multispectral
 * rasters with more than three bands or stretched 16-bit display need {@link io.rsground.image.Images}.
 *
 * <p>Not thread-safe: one reader, one stream.
 */
public final class SceneReader implements AutoCloseable {
    private final Path file;
    private final ImageInputStream stream;
    private final ImageReader reader;
    private final int width;
    private final int height;
    private final boolean cheapRegions;

    private SceneReader(Path file, ImageInputStream stream, ImageReader reader, boolean tiff) throws IOException {
        this.file = file;
        this.stream = stream;
        this.reader = reader;
        this.width = reader.getWidth(0);
        this.height = reader.getHeight(0);
        // a TIFF in tiles or in several strips can be read in part; one strip of all rows cannot
        this.cheapRegions = tiff && (reader.isImageTiled(0) || reader.getTileHeight(0) < height);
    }

    /**
     * @param image the image file (TIFF, JPEG, PNG, or anything ImageIO reads)
     * @return a reader positioned on the file's first image
     * @throws NoSuchFileException when the file does not exist ({@link Images#requireFile}, which also names a
     *     folder)
     * @throws IOException when no ImageIO reader recognises the file or its header is unreadable
     */
    public static SceneReader open(Path image) throws IOException {
        Images.requireFile(image);
        ImageInputStream stream = ImageIO.createImageInputStream(image.toFile());
        if (stream == null) {
            throw new IOException(image + ": ImageIO cannot open a stream on it");
        }
        ImageReader reader = null;
        try {
            reader = pickReader(stream, image);
            // ignoring metadata: GeoTIFF keys come from Georeferencing, and skipping them is faster
            reader.setInput(stream, true, true);
            boolean tiff = reader.getFormatName().toLowerCase(Locale.ROOT).startsWith("tif");
            return new SceneReader(image, stream, reader, tiff);
        } catch (IOException | RuntimeException e) {
            if (reader != null) {
                reader.dispose();
            }
            stream.close();
            throw e instanceof IOException io && io.getMessage() != null && io.getMessage().contains(image.toString())
                    ? io : new IOException(image + ": cannot read the image header: " + e.getMessage(), e);
        }
    }

    /** @return the JDK's reader for TIFF, otherwise the first reader that recognises the stream */
    private static ImageReader pickReader(ImageInputStream stream, Path image) throws IOException {
        List<ImageReader> readers = new ArrayList<>();
        ImageIO.getImageReaders(stream).forEachRemaining(readers::add);
        if (readers.isEmpty()) {
            throw new IOException(image + ": not an image (" + Images.EXPECTED_FORMATS + " expected)");
        }
        ImageReader chosen = readers.get(0);
        if (chosen.getFormatName().toLowerCase(Locale.ROOT).startsWith("tif")) {
            chosen = jdkTiffReader(image);
        }
        for (ImageReader r : readers) {
            if (r != chosen) {
                r.dispose();
            }
        }
        return chosen;
    }

    private static ImageReader jdkTiffReader(Path image) throws IOException {
        Iterator<ImageReader> tiffReaders = ImageIO.getImageReadersByFormatName("tiff");
        ImageReader found = null;
        while (tiffReaders.hasNext()) {
            ImageReader r = tiffReaders.next();
            if (found == null && r.getClass().getName().startsWith("com.sun")) {
                found = r;
            } else {
                r.dispose();
            }
        }
        if (found == null) {
            throw new IOException(image + ": the JDK's TIFF reader (com.sun.imageio.plugins.tiff) is not registered;"
                    + " it is needed for window reads");
        }
        return found;
    }

    /** @return the image width in pixels, from the header */
    public int width() {
        return width;
    }

    /** @return the image height in pixels, from the header */
    public int height() {
        return height;
    }

    /**
     * @return true when reading a window decodes only what the window touches (tiled TIFF, or a
     *     TIFF in several strips); false for JPEG, PNG and single-strip TIFF, where the decoder
     *     reads from the top of the image down to the window's last row every time
     */
    public boolean regionsAreCheap() {
        return cheapRegions;
    }

    /**
     * @param window the pixels wanted; the part outside the image is cut off
     * @return an RGB image ({@code TYPE_3BYTE_BGR} or {@code TYPE_INT_RGB}) of the window clipped
     *     to the image bounds
     * @throws IllegalArgumentException when the window does not overlap the image
     * @throws IOException when the pixels cannot be decoded (the message names the file)
     */
    public BufferedImage read(Rectangle window) throws IOException {
        Rectangle clipped = window.intersection(new Rectangle(0, 0, width, height));
        if (clipped.isEmpty()) {
            throw new IllegalArgumentException(file + ": window " + describe(window) + " lies outside the "
                    + width + "x" + height + " image");
        }
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceRegion(clipped);
        BufferedImage decoded;
        try {
            decoded = reader.read(0, param);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot decode window " + describe(clipped) + ": " + e.getMessage(), e);
        }
        if (decoded.getWidth() != clipped.width || decoded.getHeight() != clipped.height) {
            throw new IOException(file + ": the " + reader.getClass().getName() + " returned "
                    + decoded.getWidth() + "x" + decoded.getHeight() + " for window " + describe(clipped));
        }
        return toRgb(decoded);
    }

    /**
     * Reads the whole image shrunk by keeping every n-th pixel (ImageIO's source subsampling), so that a scene far
     * larger than memory gives a picture to draw boxes on; the decoder still visits every row.
     *
     * @param maxSide the longer side of the result at most
     * @return an RGB image of about {@code width / n} x {@code height / n} pixels
     * @throws IOException when the pixels cannot be decoded (the message names the file)
     */
    public BufferedImage readOverview(int maxSide) throws IOException {
        if (maxSide < 1) {
            throw new IllegalArgumentException("overview side must be positive, got " + maxSide);
        }
        int step = Math.max(1, (int) Math.ceil((double) Math.max(width, height) / maxSide));
        ImageReadParam param = reader.getDefaultReadParam();
        param.setSourceSubsampling(step, step, 0, 0);
        try {
            return toRgb(reader.read(0, param));
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + ": cannot decode an overview (every " + step + "th pixel): "
                    + e.getMessage(), e);
        }
    }

    private static BufferedImage toRgb(BufferedImage image) {
        int type = image.getType();
        if (type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = rgb.createGraphics();
        try {
            g.drawImage(image, 0, 0, null);
        } finally {
            g.dispose();
        }
        return rgb;
    }

    private static String describe(Rectangle r) {
        return "x=" + r.x + " y=" + r.y + " " + r.width + "x" + r.height;
    }

    /** Releases the reader and closes the file. */
    @Override
    public void close() throws IOException {
        reader.dispose();
        stream.close();
    }
}
