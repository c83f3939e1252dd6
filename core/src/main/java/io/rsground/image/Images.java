package io.rsground.image;

import java.awt.Dimension;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.SampleModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image files (JPEG, PNG, TIFF, and whatever else ImageIO has a reader for) into 8-bit
 * RGB images, defensively.
 *
 * <p><b>Output type.</b> Every image returned is {@link BufferedImage#TYPE_3BYTE_BGR}: one byte
 * per sample, interleaved B, G, R, one array for the whole image. That is what ImageIO's JPEG
 * reader produces itself (so the common case costs no copy), and it lets the transforms read the
 * raster's {@code byte[]} directly instead of calling {@code getRGB} per pixel.
 *
 * <p><b>Conversions</b>, chosen to match PIL's {@code Image.convert("RGB")} where PIL is defined:
 * grey is replicated to R, G and B; alpha is dropped (not composited); palette images are looked
 * up; 1/2/4-bit samples are scaled to 0..255; colour spaces other than RGB and grey (CMYK, ...)
 * go through a colour conversion. Samples deeper than 8 bits (16-bit, 32-bit, float) are
 * stretched per band: the {@linkplain ReadOptions#lowPercentile() low} percentile maps to 0, the
 * {@linkplain ReadOptions#highPercentile() high} one to 255 (2 % and 98 % by default), values
 * outside are clipped, NaN becomes 0. (PIL would instead keep the high byte of 16-bit RGB PNGs.)
 * {@link ReadOptions#withBands} picks which bands become R, G, B for multi-band rasters; a raster
 * with more than three bands in no named colour space (typical multispectral TIFF) needs one.
 *
 * <p><b>Readers.</b> Where several readers accept a file, the JDK's TIFF reader goes first (it
 * keeps every band of multi-band TIFFs; TwelveMonkeys 3.12 folds the extra samples into one alpha
 * band), and when a reader fails on the data the next one is tried (TwelveMonkeys reads BigTIFF
 * and more compressions).
 *
 * <p><b>Defences.</b> The size in the header is checked against {@link ReadOptions#maxPixels()}
 * before any pixel is decoded, so a decompression bomb (tiny file, huge declared size) is refused
 * without allocating. A warning from the decoder about the data (ImageIO's JPEG reader returns a
 * partial image for a truncated file and only warns "Premature end of JPEG file") counts as an
 * error; warnings about metadata (ICC profile, thumbnail, JFIF marker) are ignored. Every failure
 * is an {@link UnreadableImageException} naming the file.
 */
public final class Images {
    /** Substrings (lower case) of decoder warnings that concern metadata only, not pixels. */
    private static final List<String> BENIGN_WARNINGS = List.of("icc profile", "thumbnail", "jfif", "metadata");

    /**
     * Decoded sample bytes per pixel allowed for each pixel of {@link ReadOptions#maxPixels()}; above
     * it (e.g. many float bands) the raster would not fit comfortably in memory.
     */
    private static final long MAX_RAW_BYTES_PER_ALLOWED_PIXEL = 8;

    /** The formats a person can expect to be read, as an error message names them. */
    public static final String EXPECTED_FORMATS = "JPEG, PNG, TIFF, BMP or GIF";

    private Images() {
    }

    /**
     * Reads an image file with {@link ReadOptions#DEFAULT}.
     *
     * @param file the image file
     * @return the image as {@link BufferedImage#TYPE_3BYTE_BGR}
     * @throws UnreadableImageException when the file is not a readable image, is truncated or
     *     corrupt, or is larger than the limit
     * @throws IOException when the file cannot be opened
     */
    public static BufferedImage read(Path file) throws IOException {
        return read(file, ReadOptions.DEFAULT);
    }

    /**
     * Reads an image file.
     *
     * @param file the image file
     * @param options size limit, band selection, stretch
     * @return the image as {@link BufferedImage#TYPE_3BYTE_BGR}
     * @throws UnreadableImageException when the file is not a readable image, is truncated or
     *     corrupt, is larger than the limit, or its bands cannot be mapped to RGB
     * @throws IOException when the file cannot be opened
     */
    public static BufferedImage read(Path file, ReadOptions options) throws IOException {
        requireFile(file);
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            return decode(in, file.toString(), options);
        }
    }

    /**
     * Decodes an image held in memory with {@link ReadOptions#DEFAULT}.
     *
     * @param data the encoded file's bytes
     * @param name what to call the image in error messages (e.g. its path or URL)
     * @return the image as {@link BufferedImage#TYPE_3BYTE_BGR}
     * @throws UnreadableImageException when the bytes are not a readable image
     */
    public static BufferedImage read(byte[] data, String name) throws UnreadableImageException {
        return read(data, name, ReadOptions.DEFAULT);
    }

    /**
     * Decodes an image held in memory.
     *
     * @param data the encoded file's bytes
     * @param name what to call the image in error messages (e.g. its path or URL)
     * @param options size limit, band selection, stretch
     * @return the image as {@link BufferedImage#TYPE_3BYTE_BGR}
     * @throws UnreadableImageException when the bytes are not a readable image; an {@link ImageTooLargeException}
     *     when the header declares more than {@link ReadOptions#maxPixels()}
     */
    public static BufferedImage read(byte[] data, String name, ReadOptions options) throws UnreadableImageException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            return decode(in, name, options);
        } catch (UnreadableImageException e) {
            throw e;
        } catch (IOException e) {
            throw new UnreadableImageException(name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads only the header of an image file.
     *
     * @param file the image file
     * @return its width and height in pixels (of the first image, for multi-image files)
     * @throws UnreadableImageException when no reader recognises the file or its header is corrupt
     * @throws IOException when the file cannot be opened
     */
    public static Dimension readSize(Path file) throws IOException {
        requireFile(file);
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            return readSize(in, file.toString());
        }
    }

    /**
     * Reads only the header of an image held in memory.
     *
     * @param data the encoded file's bytes
     * @param name what to call the image in error messages
     * @return its width and height in pixels (of the first image, for multi-image files)
     * @throws UnreadableImageException when no reader recognises the bytes or their header is corrupt
     */
    public static Dimension readSize(byte[] data, String name) throws UnreadableImageException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            return readSize(in, name);
        } catch (UnreadableImageException e) {
            throw e;
        } catch (IOException e) {
            throw new UnreadableImageException(name + ": " + e.getMessage(), e);
        }
    }

    private static Dimension readSize(ImageInputStream in, String name) throws IOException {
        ImageReader reader = findReader(in, name);
        try {
            reader.setInput(in, false, true);
            return new Dimension(reader.getWidth(0), reader.getHeight(0));
        } catch (IOException | RuntimeException e) {
            throw new UnreadableImageException(name + ": cannot read the " + formatName(reader) + " header: "
                    + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
    }

    /**
     * Converts an image in memory to 8-bit RGB by the rules of this class (default options).
     *
     * @param image any image
     * @return {@code image} itself when it already is a plain {@code TYPE_3BYTE_BGR} image, else a
     *     converted copy of type {@code TYPE_3BYTE_BGR}
     * @throws IllegalArgumentException when its bands cannot be mapped to RGB without a band
     *     selection
     */
    public static BufferedImage toRgb8(BufferedImage image) {
        try {
            return RgbConverter.toRgb8(image, ReadOptions.DEFAULT, "image");
        } catch (UnreadableImageException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Checks that a path names a file an image can be read from, before any decoder sees it.
     *
     * @param file the image file
     * @throws NoSuchFileException "no such file" when nothing is at {@code file}
     * @throws FileSystemException "is a folder" for a folder, "not a regular file" for devices and pipes
     */
    public static void requireFile(Path file) throws IOException {
        if (Files.isRegularFile(file)) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw new FileSystemException(file.toString(), null, "is a folder, not an image file");
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        throw new FileSystemException(file.toString(), null, "not a regular file, so not an image file");
    }

    private static BufferedImage decode(ImageInputStream in, String name, ReadOptions options) throws IOException {
        List<ImageReader> readers = findReaders(in, name);
        UnreadableImageException firstFailure = null;
        for (ImageReader reader : readers) {
            try {
                in.seek(0);
                return decodeWith(reader, in, name, options);
            } catch (DecoderFailure failure) {
                // another reader of the same format may cope (e.g. TIFF compressions); report the first error
                if (firstFailure == null) {
                    firstFailure = failure.exception;
                }
            } finally {
                reader.dispose();
            }
        }
        throw firstFailure;
    }

    /**
     * @throws UnreadableImageException for faults of the file itself (size, bands): final
     * @throws DecoderFailure when this reader could not decode the data: another reader may try
     */
    private static BufferedImage decodeWith(ImageReader reader, ImageInputStream in, String name,
            ReadOptions options) throws UnreadableImageException, DecoderFailure {
        String format = formatName(reader);
        BufferedImage decoded;
        try {
            reader.setInput(in, false, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            checkSize(name, format, width, height, rawBytesPerPixel(reader), options.maxPixels());
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            decoded = reader.read(0);
            List<String> fatal = warnings.stream().filter(w -> !isBenign(w)).distinct().toList();
            if (!fatal.isEmpty()) {
                throw new DecoderFailure(new UnreadableImageException(name + ": truncated or corrupt " + format
                        + " data (decoder warnings: " + String.join("; ", fatal) + ")"));
            }
        } catch (UnreadableImageException e) {
            throw e; // the size check: a fact about the file, not about this reader
        } catch (IOException | RuntimeException e) {
            // ImageIO readers report corrupt data as IIOException, EOFException, or unchecked
            // exceptions (IndexOutOfBounds, IllegalArgument, ...); all mean the same to callers.
            throw new DecoderFailure(new UnreadableImageException(
                    name + ": cannot decode " + format + " image: " + e, e));
        }
        return RgbConverter.toRgb8(decoded, options, name);
    }

    /** A reader's failure to decode, which the next reader for the format may overcome. */
    private static final class DecoderFailure extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient UnreadableImageException exception;

        DecoderFailure(UnreadableImageException exception) {
            super(exception.getMessage(), null, false, false);
            this.exception = exception;
        }
    }

    /**
     * @return every reader that recognises the stream, the JDK's own TIFF reader first: it keeps
     *     all bands of multi-band TIFFs, where TwelveMonkeys 3.12 folds extra samples into one
     *     alpha band; TwelveMonkeys stays as the fallback (BigTIFF, more compressions)
     */
    private static List<ImageReader> findReaders(ImageInputStream in, String name) throws IOException {
        List<ImageReader> readers = new ArrayList<>();
        ImageIO.getImageReaders(in).forEachRemaining(readers::add);
        if (readers.isEmpty()) {
            throw new UnreadableImageException(name + ": not an image (" + EXPECTED_FORMATS + " expected)");
        }
        readers.sort(java.util.Comparator.comparing(
                (ImageReader r) -> !r.getClass().getName().startsWith("com.sun.imageio.plugins.tiff.")));
        return readers;
    }

    private static ImageReader findReader(ImageInputStream in, String name) throws IOException {
        List<ImageReader> readers = findReaders(in, name);
        for (int i = 1; i < readers.size(); i++) {
            readers.get(i).dispose();
        }
        return readers.get(0);
    }

    private static String formatName(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            return "image";
        }
    }

    private static void checkSize(String name, String format, int width, int height, int rawBytesPerPixel,
            long maxPixels) throws UnreadableImageException {
        if (width <= 0 || height <= 0) {
            throw new UnreadableImageException(name + ": " + format + " header declares an empty size "
                    + width + " x " + height);
        }
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new ImageTooLargeException(String.format(Locale.ROOT,
                    "%s: %s image of %d x %d = %,d pixels exceeds the limit of %,d pixels "
                            + "(raise it with ReadOptions.withMaxPixels)",
                    name, format, width, height, pixels, maxPixels));
        }
        if (rawBytesPerPixel > 0 && pixels * rawBytesPerPixel > maxPixels * MAX_RAW_BYTES_PER_ALLOWED_PIXEL) {
            throw new ImageTooLargeException(String.format(Locale.ROOT,
                    "%s: %s image of %d x %d with %d bytes per pixel needs %,d bytes, over the limit of %,d "
                            + "(%d bytes per allowed pixel; raise ReadOptions.withMaxPixels)",
                    name, format, width, height, rawBytesPerPixel, pixels * rawBytesPerPixel,
                    maxPixels * MAX_RAW_BYTES_PER_ALLOWED_PIXEL, MAX_RAW_BYTES_PER_ALLOWED_PIXEL));
        }
    }

    /** @return the decoded raster's bytes per pixel as the header announces it, or 0 if unknown */
    private static int rawBytesPerPixel(ImageReader reader) {
        try {
            ImageTypeSpecifier raw = reader.getRawImageType(0);
            if (raw == null) {
                return 0;
            }
            SampleModel model = raw.getSampleModel();
            if (model instanceof ComponentSampleModel) {
                return model.getNumBands() * DataBuffer.getDataTypeSize(model.getDataType()) / 8;
            }
            int bits = 0;
            for (int size : model.getSampleSize()) {
                bits += size;
            }
            return (bits + 7) / 8;
        } catch (IOException | RuntimeException e) {
            return 0; // the size check above still applies; decoding will report a corrupt header
        }
    }

    private static boolean isBenign(String warning) {
        String lower = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
        for (String benign : BENIGN_WARNINGS) {
            if (lower.contains(benign)) {
                return true;
            }
        }
        return false;
    }
}
