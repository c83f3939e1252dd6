package io.rsground.data;

import java.awt.Dimension;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;

/**
 * Strict image reading for data checks and training: an image is either decoded completely or refused with a
 * reason. ImageIO's JPEG decoder returns a partly grey image for a truncated file and only emits a warning
 * ("Premature end of JPEG file"); here every decoder warning makes the image unreadable.
 */
public final class ImageFiles {

    /** Images with more pixels than this are refused before decoding (an 800x800 DIOR image has 0.64 M). */
    public static final long MAX_PIXELS = 100_000_000L;

    private ImageFiles() {
    }

    /** Thrown when an image file is missing, of an unknown format, truncated, corrupt or too large. */
    public static final class UnreadableImageException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Path file;

        /**
         * @param file the image file
         * @param reason why it cannot be used
         */
        public UnreadableImageException(Path file, String reason) {
            super(file + ": " + reason);
            this.file = file;
        }

        /** @return the image file concerned */
        public Path file() {
            return file;
        }

        /** @return the reason without the file name */
        public String reason() {
            String m = getMessage();
            String prefix = file + ": ";
            return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
        }
    }

    /**
     * Reads the image size from the header only, without decoding pixels.
     *
     * @param file an image file in a format ImageIO reads (JPEG, PNG, BMP, GIF, TIFF)
     * @return width and height in pixels
     * @throws UnreadableImageException when the file is missing or its header cannot be read
     */
    public static Dimension readSize(Path file) throws UnreadableImageException {
        return withReader(file, reader -> new Dimension(reader.getWidth(0), reader.getHeight(0)), null);
    }

    /**
     * Decodes the whole image; refuses truncated or corrupt files even where the decoder would hand back a partial
     * image with a warning.
     *
     * @param file an image file in a format ImageIO reads
     * @return the decoded image, in the decoder's native type
     * @throws UnreadableImageException when the file is missing, unknown, too large, truncated or corrupt
     */
    public static BufferedImage decodeStrict(Path file) throws UnreadableImageException {
        List<String> warnings = new ArrayList<>();
        return withReader(file, reader -> {
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            if ((long) w * h > MAX_PIXELS) {
                throw new UnreadableImageException(file,
                        "image is " + w + "x" + h + ", more than " + MAX_PIXELS + " pixels; refusing to decode");
            }
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            BufferedImage image = reader.read(0);
            if (!warnings.isEmpty()) {
                throw new UnreadableImageException(file, "truncated or corrupt: " + String.join("; ", warnings));
            }
            if (image == null) {
                throw new UnreadableImageException(file, "the decoder returned no image");
            }
            return image;
        }, warnings);
    }

    private interface ReaderAction<T> {
        T apply(ImageReader reader) throws IOException;
    }

    private static <T> T withReader(Path file, ReaderAction<T> action, List<String> warnings)
            throws UnreadableImageException {
        if (!Files.isRegularFile(file)) {
            throw new UnreadableImageException(file, Files.exists(file) ? "not a regular file" : "file not found");
        }
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new UnreadableImageException(file, "not in an image format ImageIO can read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return action.apply(reader);
            } finally {
                reader.dispose();
            }
        } catch (UnreadableImageException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Decoders throw IIOException, EOFException and, on corrupt data, runtime exceptions.
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            String warned = warnings == null || warnings.isEmpty() ? "" : " (warnings: " + String.join("; ", warnings) + ")";
            throw new UnreadableImageException(file, "cannot decode: " + why + warned);
        }
    }
}
