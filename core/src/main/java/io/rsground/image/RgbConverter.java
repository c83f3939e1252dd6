package io.rsground.image;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.SampleModel;
import java.awt.image.WritableRaster;
import java.util.Arrays;

/**
 * Turns any decoded raster into an interleaved 8-bit BGR image ({@code TYPE_3BYTE_BGR}); the
 * rules are documented on {@link Images}. Reads the raster's data arrays directly where the layout
 * allows (8-bit component rasters, the common case) and falls back to row-wise {@code getSamples}.
 */
final class RgbConverter {
    /** Histogram resolution for stretching samples that are not small integers. */
    private static final int STRETCH_BINS = 65536;

    private static final ColorModel BGR_MODEL = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
            new int[] {8, 8, 8}, false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);

    private RgbConverter() {
    }

    static BufferedImage toRgb8(BufferedImage image, ReadOptions options, String name)
            throws UnreadableImageException {
        int[] selected = options.bands();
        if (selected == null && isPlainBgr(image)) {
            return image;
        }
        Raster raster = image.getRaster();
        ColorModel model = image.getColorModel();
        int width = raster.getWidth();
        int height = raster.getHeight();
        int bandCount = raster.getNumBands();
        if (model instanceof IndexColorModel palette) {
            if (selected != null) {
                throw new UnreadableImageException(name + ": band selection " + Arrays.toString(selected)
                        + " does not apply to a palette image (one band of colour indices)");
            }
            return wrapBgr(expandPalette(raster, palette), width, height);
        }
        int[] bands;
        if (selected != null) {
            bands = selectedBands(selected, bandCount, name);
        } else {
            bands = defaultBands(model, bandCount);
            if (bands == null) {
                // a named colour space (CMYK, YCbCr, Lab, ...): let Java 2D convert it; a generic
                // n-colour one (the JDK TIFF reader's placeholder for multi-band files) needs bands
                if (model.getColorSpace().getType() < ColorSpace.TYPE_2CLR && allSamplesAreBytes(raster)) {
                    return convertColourSpace(image);
                }
                throw new UnreadableImageException(name + ": " + bandCount + " bands in a colour space of type "
                        + model.getColorSpace().getType() + " cannot be shown as RGB by default; "
                        + "choose one or three bands (1-based) with ReadOptions.withBands, e.g. 3,2,1");
            }
        }
        return wrapBgr(bandsToBgr(raster, bands, options), width, height);
    }

    /**
     * @param selected the 1-based bands asked for: one (shown as grey) or three (R, G, B)
     * @return 0-based band indices for R, G, B
     * @throws UnreadableImageException when a band is beyond the image's
     */
    private static int[] selectedBands(int[] selected, int bandCount, String name) throws UnreadableImageException {
        int[] bands = new int[3];
        for (int c = 0; c < 3; c++) {
            int oneBased = selected[selected.length == 1 ? 0 : c];
            if (oneBased > bandCount) {
                throw new UnreadableImageException(name + ": band " + oneBased + " requested but the image has "
                        + bandCount + " band" + (bandCount == 1 ? "" : "s"));
            }
            bands[c] = oneBased - 1;
        }
        return bands;
    }

    /**
     * @param bands 0-based band indices for R, G, B
     * @return [H, W, 3] interleaved B, G, R bytes of those bands, each stretched to 8 bits once
     */
    private static byte[] bandsToBgr(Raster raster, int[] bands, ReadOptions options) {
        byte[] bgr = new byte[Math.multiplyExact(Math.multiplyExact(raster.getWidth(), raster.getHeight()), 3)];
        for (int c = 0; c < 3; c++) {
            int band = bands[c];
            int earlier = -1;
            for (int e = c - 1; e >= 0; e--) {
                if (bands[e] == band) {
                    earlier = e; // same band already converted: copy it instead of stretching again
                }
            }
            // B, G, R order: red (c = 0) goes to byte 2 of each pixel
            int target = 2 - c;
            if (earlier >= 0) {
                copyChannel(bgr, 2 - earlier, target);
            } else {
                writeBand(raster, band, options, bgr, target);
            }
        }
        return bgr;
    }

    /** @return true for a {@code TYPE_3BYTE_BGR} image whose byte array holds exactly its pixels */
    static boolean isPlainBgr(BufferedImage image) {
        if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            return false;
        }
        Raster raster = image.getRaster();
        if (!(raster.getSampleModel() instanceof PixelInterleavedSampleModel model)
                || !(raster.getDataBuffer() instanceof DataBufferByte buffer)) {
            return false;
        }
        int[] offsets = model.getBandOffsets();
        return raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
                && raster.getMinX() == 0 && raster.getMinY() == 0
                && model.getPixelStride() == 3 && model.getScanlineStride() == 3 * raster.getWidth()
                && offsets[0] == 2 && offsets[1] == 1 && offsets[2] == 0
                && buffer.getNumBanks() == 1 && buffer.getOffset() == 0
                && buffer.getData().length == 3 * raster.getWidth() * raster.getHeight();
    }

    /**
     * @return the interleaved B, G, R bytes of {@code image} ([H, W, 3] row-major): its own array
     *     when it is plain BGR (do not modify unless you own the image), else a converted copy
     */
    static byte[] bgrBytes(BufferedImage image) {
        BufferedImage bgr = isPlainBgr(image) ? image : Images.toRgb8(image);
        return ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
    }

    /**
     * @param bgr [H, W, 3] interleaved B, G, R bytes, used without copying
     * @return a {@code TYPE_3BYTE_BGR} image backed by {@code bgr}
     */
    static BufferedImage wrapBgr(byte[] bgr, int width, int height) {
        if (bgr.length != 3L * width * height) {
            throw new IllegalArgumentException("a " + width + " x " + height + " BGR image needs "
                    + 3L * width * height + " bytes, got " + bgr.length);
        }
        WritableRaster raster = Raster.createInterleavedRaster(new DataBufferByte(bgr, bgr.length), width, height,
                3 * width, 3, new int[] {2, 1, 0}, null);
        return new BufferedImage(BGR_MODEL, raster, false, null);
    }

    /** @return band indices for R, G, B, or null when the colour space is neither grey nor RGB */
    private static int[] defaultBands(ColorModel model, int bandCount) {
        int type = model.getColorSpace().getType();
        if (type == ColorSpace.TYPE_GRAY || bandCount == 1) {
            return new int[] {0, 0, 0};
        }
        if (type == ColorSpace.TYPE_RGB && model.getNumColorComponents() == 3) {
            return new int[] {0, 1, 2};
        }
        return null;
    }

    private static boolean allSamplesAreBytes(Raster raster) {
        SampleModel model = raster.getSampleModel();
        for (int size : model.getSampleSize()) {
            if (size != 8) {
                return false;
            }
        }
        return model.getDataType() == DataBuffer.TYPE_BYTE || model.getDataType() == DataBuffer.TYPE_INT;
    }

    private static BufferedImage convertColourSpace(BufferedImage image) {
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        new ColorConvertOp(null).filter(image, out);
        return out;
    }

    private static void copyChannel(byte[] bgr, int from, int to) {
        for (int i = 0; i < bgr.length; i += 3) {
            bgr[i + to] = bgr[i + from];
        }
    }

    private static byte[] expandPalette(Raster raster, IndexColorModel palette) {
        int size = palette.getMapSize();
        byte[] reds = new byte[size];
        byte[] greens = new byte[size];
        byte[] blues = new byte[size];
        palette.getReds(reds);
        palette.getGreens(greens);
        palette.getBlues(blues);
        int width = raster.getWidth();
        int height = raster.getHeight();
        byte[] bgr = new byte[width * height * 3];
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, 0, row);
            int o = y * width * 3;
            for (int x = 0; x < width; x++, o += 3) {
                // indices past the palette's end (corrupt files) show as black, as PIL does
                int index = row[x] < size ? row[x] : -1;
                if (index >= 0) {
                    bgr[o] = blues[index];
                    bgr[o + 1] = greens[index];
                    bgr[o + 2] = reds[index];
                }
            }
        }
        return bgr;
    }

    /** Writes one band as 8-bit samples into every third byte of {@code bgr} from {@code target}. */
    private static void writeBand(Raster raster, int band, ReadOptions options, byte[] bgr, int target) {
        SampleModel model = raster.getSampleModel();
        int bits = model.getSampleSize(band);
        int type = model.getDataType();
        boolean integral = type == DataBuffer.TYPE_BYTE || type == DataBuffer.TYPE_USHORT
                || type == DataBuffer.TYPE_SHORT || type == DataBuffer.TYPE_INT;
        if (integral && bits == 8 && type != DataBuffer.TYPE_SHORT) {
            if (model instanceof ComponentSampleModel component && raster.getDataBuffer() instanceof DataBufferByte) {
                copyByteBand(raster, component, band, bgr, target);
            } else {
                copyScaledBand(raster, band, 255, 255, bgr, target);
            }
        } else if (integral && bits < 8 && type != DataBuffer.TYPE_SHORT) {
            int max = (1 << bits) - 1;
            copyScaledBand(raster, band, 255, max, bgr, target);
        } else {
            stretchBand(raster, band, options, bgr, target);
        }
    }

    private static void copyByteBand(Raster raster, ComponentSampleModel model, int band, byte[] bgr, int target) {
        DataBufferByte buffer = (DataBufferByte) raster.getDataBuffer();
        int bank = model.getBankIndices()[band];
        byte[] data = buffer.getData(bank);
        int pixelStride = model.getPixelStride();
        int scanlineStride = model.getScanlineStride();
        int x0 = raster.getMinX() - raster.getSampleModelTranslateX();
        int y0 = raster.getMinY() - raster.getSampleModelTranslateY();
        int base = buffer.getOffsets()[bank] + model.getBandOffsets()[band] + y0 * scanlineStride + x0 * pixelStride;
        int width = raster.getWidth();
        int height = raster.getHeight();
        int o = target;
        for (int y = 0; y < height; y++) {
            int i = base + y * scanlineStride;
            for (int x = 0; x < width; x++, i += pixelStride, o += 3) {
                bgr[o] = data[i];
            }
        }
    }

    /** Copies integer samples scaled by {@code multiplier / divisor}, rounded. */
    private static void copyScaledBand(Raster raster, int band, int multiplier, int divisor, byte[] bgr, int target) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        int[] row = new int[width];
        int o = target;
        for (int y = 0; y < height; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, band, row);
            for (int x = 0; x < width; x++, o += 3) {
                int v = (row[x] * multiplier + divisor / 2) / divisor;
                bgr[o] = (byte) Math.max(0, Math.min(255, v));
            }
        }
    }

    /**
     * Maps the band's low..high percentile range linearly onto 0..255. The percentiles come from a
     * histogram: exact for integer samples spanning at most {@value #STRETCH_BINS} values, else
     * with {@value #STRETCH_BINS} bins between the minimum and the maximum.
     */
    private static void stretchBand(Raster raster, int band, ReadOptions options, byte[] bgr, int target) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        double[] row = new double[width];
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        long count = 0;
        for (int y = 0; y < height; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, band, row);
            for (double v : row) {
                if (Double.isFinite(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                    count++;
                }
            }
        }
        if (count == 0) {
            return; // no finite sample: the channel stays black
        }
        int type = raster.getSampleModel().getDataType();
        boolean integral = type != DataBuffer.TYPE_FLOAT && type != DataBuffer.TYPE_DOUBLE;
        int bins;
        double binWidth;
        if (integral && max - min < STRETCH_BINS) {
            bins = (int) (max - min) + 1;
            binWidth = 1;
        } else {
            bins = STRETCH_BINS;
            binWidth = max > min ? (max - min) / (bins - 1) : 1;
        }
        long[] histogram = new long[bins];
        for (int y = 0; y < height; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, band, row);
            for (double v : row) {
                if (Double.isFinite(v)) {
                    histogram[Math.min(bins - 1, (int) ((v - min) / binWidth))]++;
                }
            }
        }
        double low = min + binWidth * percentileBin(histogram, count, options.lowPercentile());
        double high = min + binWidth * percentileBin(histogram, count, options.highPercentile());
        double gain = high > low ? 255.0 / (high - low) : 0;
        int o = target;
        for (int y = 0; y < height; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, width, 1, band, row);
            for (int x = 0; x < width; x++, o += 3) {
                double v = row[x];
                int out;
                if (!Double.isFinite(v)) {
                    out = 0;
                } else if (gain == 0) {
                    out = v > low ? 255 : 0;
                } else {
                    out = (int) Math.max(0, Math.min(255, Math.rint((v - low) * gain)));
                }
                bgr[o] = (byte) out;
            }
        }
    }

    /** @return the first bin at which the cumulative count reaches {@code percent} % of {@code count} */
    private static int percentileBin(long[] histogram, long count, double percent) {
        double wanted = count * percent / 100.0;
        long cumulative = 0;
        for (int b = 0; b < histogram.length; b++) {
            cumulative += histogram[b];
            if (cumulative >= wanted && cumulative > 0) {
                return b;
            }
        }
        return histogram.length - 1;
    }
}
