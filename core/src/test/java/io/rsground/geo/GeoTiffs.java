package io.rsground.geo;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.RenderedImage;
import java.awt.image.SampleModel;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Vector;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.plugins.tiff.GeoTIFFTagSet;
import javax.imageio.plugins.tiff.TIFFDirectory;
import javax.imageio.plugins.tiff.TIFFField;
import javax.imageio.plugins.tiff.TIFFTag;
import javax.imageio.stream.ImageOutputStream;

/**
 * Writes tiled TIFF files, with or without GeoTIFF tags, for tests. Uses only the JDK's own TIFF
 * writer ({@code com.sun.imageio.plugins.tiff}) and its public metadata classes
 * ({@link TIFFDirectory}, {@link TIFFField}, {@link GeoTIFFTagSet}), so no GDAL is needed.
 *
 * <p>Tiles are Deflate-compressed. The GeoTIFF keys written are GTModelTypeGeoKey (projected, or
 * geographic for EPSG codes 4000-4999), GTRasterTypeGeoKey (PixelIsArea unless asked otherwise) and
 * ProjectedCSTypeGeoKey or GeographicTypeGeoKey.
 */
public final class GeoTiffs {
    /** GeoKey ids and values from the GeoTIFF 1.0 specification. */
    private static final int GT_MODEL_TYPE = 1024;
    private static final int GT_RASTER_TYPE = 1025;
    private static final int GEOGRAPHIC_TYPE = 2048;
    private static final int PROJECTED_CS_TYPE = 3072;
    private static final int MODEL_PROJECTED = 1;
    private static final int MODEL_GEOGRAPHIC = 2;
    private static final int RASTER_PIXEL_IS_AREA = 1;
    private static final int RASTER_PIXEL_IS_POINT = 2;

    private GeoTiffs() {
    }

    /**
     * Writes a north-up GeoTIFF with a tie point (pixel corner (0,0) at the origin) and a pixel
     * scale, PixelIsArea.
     *
     * @param out the file to write
     * @param image the pixels
     * @param tileSize tile width and height, a multiple of 16
     * @param originX map x of the top-left corner of pixel (0,0)
     * @param originY map y of that corner
     * @param pixelSize pixel width and height in map units (y goes down the map as rows go up)
     * @param epsg the CRS code
     */
    public static void writeTiled(Path out, BufferedImage image, int tileSize, double originX, double originY,
            double pixelSize, int epsg) throws IOException {
        writeTiled(out, image, tileSize, originX, originY, pixelSize, epsg, false);
    }

    /**
     * Like {@link #writeTiled(Path, BufferedImage, int, double, double, double, int)}, optionally
     * PixelIsPoint: then the tie point's map position is the centre of pixel (0,0), not its corner.
     */
    public static void writeTiled(Path out, BufferedImage image, int tileSize, double originX, double originY,
            double pixelSize, int epsg, boolean pixelIsPoint) throws IOException {
        write(out, image, tileSize, List.of(
                field(GeoTIFFTagSet.TAG_MODEL_PIXEL_SCALE, pixelSize, pixelSize, 0),
                field(GeoTIFFTagSet.TAG_MODEL_TIE_POINT, 0, 0, 0, originX, originY, 0),
                geoKeys(epsg, pixelIsPoint)));
    }

    /**
     * Writes a GeoTIFF whose georeferencing is a ModelTransformationTag (which may rotate or shear).
     *
     * @param pixelToMap {a,b,c,d,e,f}: mapX = a*col + b*row + c, mapY = d*col + e*row + f, corners
     */
    public static void writeTiledTransformation(Path out, BufferedImage image, int tileSize, double[] pixelToMap,
            int epsg) throws IOException {
        double[] t = pixelToMap;
        write(out, image, tileSize, List.of(
                field(GeoTIFFTagSet.TAG_MODEL_TRANSFORMATION,
                        t[0], t[1], 0, t[2], t[3], t[4], 0, t[5], 0, 0, 0, 0, 0, 0, 0, 1),
                geoKeys(epsg, false)));
    }

    /** Writes a tiled TIFF with no GeoTIFF tag at all. */
    public static void writePlainTiled(Path out, BufferedImage image, int tileSize) throws IOException {
        write(out, image, tileSize, List.of());
    }

    /**
     * Writes a tiled RGB GeoTIFF of {@code width x height} pixels without ever holding more than a
     * tile in memory: the writer pulls tiles from an image that computes them on request, every
     * tile one constant colour ({@link #hugeRgb}), so Deflate shrinks each to a few hundred bytes.
     */
    public static void writeHugeTiled(Path out, int width, int height, int tileSize, double originX, double originY,
            double pixelSize, int epsg) throws IOException {
        write(out, new LazyTiles(width, height, tileSize), tileSize, List.of(
                field(GeoTIFFTagSet.TAG_MODEL_PIXEL_SCALE, pixelSize, pixelSize, 0),
                field(GeoTIFFTagSet.TAG_MODEL_TIE_POINT, 0, 0, 0, originX, originY, 0),
                geoKeys(epsg, false)));
    }

    /** @return the packed 0xRRGGBB colour of pixel (x, y) in a {@link #writeHugeTiled} file */
    public static int hugeRgb(int x, int y, int tileSize) {
        int tx = x / tileSize;
        int ty = y / tileSize;
        return ((tx * 37) & 0xFF) << 16 | ((ty * 59) & 0xFF) << 8 | ((tx + ty) * 11 & 0xFF);
    }

    /** @return a deterministic RGB test picture ({@code TYPE_3BYTE_BGR}) with no two neighbours equal */
    public static BufferedImage pattern(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (x * 7 + y * 3) % 256 << 16 | (x * 13 ^ y * 5) % 256 << 8 | (x + y * 17) % 256);
            }
        }
        return image;
    }

    private static void write(Path out, RenderedImage image, int tileSize, List<TIFFField> geoFields)
            throws IOException {
        ImageWriter writer = TiffWriters.jdk();
        try {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setTilingMode(ImageWriteParam.MODE_EXPLICIT);
            param.setTiling(tileSize, tileSize, 0, 0);
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionType("Deflate");
            // the JDK maps quality q to zlib level 1 + 8q: level 1 is fast, and ample for tests
            param.setCompressionQuality(0f);
            IIOMetadata defaults = writer.getDefaultImageMetadata(new ImageTypeSpecifier(image), param);
            TIFFDirectory directory = TIFFDirectory.createFromMetadata(defaults);
            directory.addTagSet(GeoTIFFTagSet.getInstance());
            geoFields.forEach(directory::addTIFFField);
            Files.deleteIfExists(out);
            try (ImageOutputStream stream = ImageIO.createImageOutputStream(out.toFile())) {
                writer.setOutput(stream);
                writer.write(null, new IIOImage(image, null, directory.getAsMetadata()), param);
            }
        } finally {
            writer.dispose();
        }
    }

    private static TIFFField field(int tag, double... values) {
        return new TIFFField(GeoTIFFTagSet.getInstance().getTag(tag), TIFFTag.TIFF_DOUBLE, values.length, values);
    }

    private static TIFFField geoKeys(int epsg, boolean pixelIsPoint) {
        boolean geographic = epsg >= 4000 && epsg < 5000;
        char[] keys = {
            1, 1, 0, 3, // directory version, key revision 1.0, three keys
            GT_MODEL_TYPE, 0, 1, (char) (geographic ? MODEL_GEOGRAPHIC : MODEL_PROJECTED),
            GT_RASTER_TYPE, 0, 1, (char) (pixelIsPoint ? RASTER_PIXEL_IS_POINT : RASTER_PIXEL_IS_AREA),
            (char) (geographic ? GEOGRAPHIC_TYPE : PROJECTED_CS_TYPE), 0, 1, (char) epsg,
        };
        return new TIFFField(GeoTIFFTagSet.getInstance().getTag(GeoTIFFTagSet.TAG_GEO_KEY_DIRECTORY),
                TIFFTag.TIFF_SHORT, keys.length, keys);
    }

    /**
     * An RGB image whose tiles are made when asked for and never kept; {@link #getData()} of the
     * whole image is refused so that a test notices if anything tries to hold it all.
     */
    private static final class LazyTiles implements RenderedImage {
        private final int width;
        private final int height;
        private final int tileSize;
        private final BufferedImage model;

        LazyTiles(int width, int height, int tileSize) {
            this.width = width;
            this.height = height;
            this.tileSize = tileSize;
            this.model = new BufferedImage(1, 1, BufferedImage.TYPE_3BYTE_BGR);
        }

        @Override
        public Raster getData(Rectangle rect) {
            Rectangle clipped = rect.intersection(new Rectangle(0, 0, width, height));
            WritableRaster raster = model.getRaster().createCompatibleWritableRaster(clipped.width, clipped.height);
            byte[] bgr = ((DataBufferByte) raster.getDataBuffer()).getData();
            int i = 0;
            for (int y = clipped.y; y < clipped.y + clipped.height; y++) {
                int x = clipped.x;
                while (x < clipped.x + clipped.width) {
                    // one run per tile crossed: the colour is constant within a tile
                    int runEnd = Math.min(clipped.x + clipped.width, (x / tileSize + 1) * tileSize);
                    int rgb = hugeRgb(x, y, tileSize);
                    for (; x < runEnd; x++) {
                        bgr[i++] = (byte) rgb;
                        bgr[i++] = (byte) (rgb >> 8);
                        bgr[i++] = (byte) (rgb >> 16);
                    }
                }
            }
            return raster.createTranslatedChild(clipped.x, clipped.y);
        }

        @Override
        public Raster getTile(int tileX, int tileY) {
            return getData(new Rectangle(tileX * tileSize, tileY * tileSize, tileSize, tileSize));
        }

        @Override
        public Raster getData() {
            throw new UnsupportedOperationException("the whole " + width + "x" + height + " image is never made");
        }

        @Override
        public WritableRaster copyData(WritableRaster raster) {
            if (raster == null) {
                throw new UnsupportedOperationException("the whole image is never made");
            }
            raster.setRect(getData(raster.getBounds()));
            return raster;
        }

        @Override
        public Vector<RenderedImage> getSources() {
            return null;
        }

        @Override
        public Object getProperty(String name) {
            return java.awt.Image.UndefinedProperty;
        }

        @Override
        public String[] getPropertyNames() {
            return null;
        }

        @Override
        public ColorModel getColorModel() {
            return model.getColorModel();
        }

        @Override
        public SampleModel getSampleModel() {
            return model.getSampleModel().createCompatibleSampleModel(tileSize, tileSize);
        }

        @Override
        public int getWidth() {
            return width;
        }

        @Override
        public int getHeight() {
            return height;
        }

        @Override
        public int getMinX() {
            return 0;
        }

        @Override
        public int getMinY() {
            return 0;
        }

        @Override
        public int getNumXTiles() {
            return (width + tileSize - 1) / tileSize;
        }

        @Override
        public int getNumYTiles() {
            return (height + tileSize - 1) / tileSize;
        }

        @Override
        public int getMinTileX() {
            return 0;
        }

        @Override
        public int getMinTileY() {
            return 0;
        }

        @Override
        public int getTileWidth() {
            return tileSize;
        }

        @Override
        public int getTileHeight() {
            return tileSize;
        }

        @Override
        public int getTileGridXOffset() {
            return 0;
        }

        @Override
        public int getTileGridYOffset() {
            return 0;
        }

        @Override
        public String toString() {
            return "LazyTiles " + width + "x" + height + ", tiles of " + tileSize;
        }
    }
}
