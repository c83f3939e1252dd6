package io.rsground.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Pictures written for people (boxes drawn on an image, prediction grids): the format is the one the file name's
 * extension names, PNG or JPEG, and where they go is checked before any work is done, so that a misspelt folder or
 * an extension no writer handles fails at once, naming the path, instead of after the model has run.
 */
public final class PictureFiles {

    private PictureFiles() {
    }

    /**
     * @param out a picture file name
     * @return the ImageIO format its extension names: {@code "png"} or {@code "jpg"}
     * @throws IllegalArgumentException naming the file when the extension is neither
     */
    public static String format(Path out) {
        String name = out.getFileName() == null ? "" : out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            return "png";
        }
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return "jpg";
        }
        int dot = name.lastIndexOf('.');
        throw new IllegalArgumentException(out + ": cannot write " + (dot < 0 ? "a picture without an extension"
                : "'" + name.substring(dot) + "' pictures") + "; name the file .png or .jpg");
    }

    /**
     * Checks, before any work, that a picture can be written there: a PNG or JPEG name whose folder exists and is
     * writable.
     *
     * @throws IllegalArgumentException naming the path and what is wrong
     */
    public static void checkWritable(Path out) {
        format(out);
        requireFolderOf(out);
    }

    /**
     * Checks, before any work, that a file can be created there: its folder exists and is writable, and the file
     * itself is not a folder.
     *
     * @throws IllegalArgumentException naming the path and what is wrong
     */
    public static void requireFolderOf(Path file) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + " is a folder; give a file name");
        }
        Path folder = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(file + ": the folder " + folder + " does not exist");
        }
        if (!Files.isWritable(folder)) {
            throw new IllegalArgumentException(file + ": the folder " + folder + " is not writable");
        }
    }

    /**
     * Creates a folder for pictures if it is missing and checks that it is writable.
     *
     * @throws IllegalArgumentException naming the folder when it cannot be created or written to
     */
    public static void requireFolder(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IllegalArgumentException(folder + ": cannot create the folder ("
                    + (e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                    : e.getClass().getSimpleName()) + ")", e);
        }
        if (!Files.isWritable(folder)) {
            throw new IllegalArgumentException(folder + ": the folder is not writable");
        }
    }

    /**
     * Writes a picture in the format its name's extension names ({@link #format}); JPEG drops any alpha channel.
     *
     * @throws IOException naming the file when it cannot be written
     */
    public static void write(BufferedImage picture, Path out) throws IOException {
        String format = format(out);
        BufferedImage image = format.equals("jpg") && picture.getColorModel().hasAlpha()
                ? Images.toRgb8(picture) : picture;
        try (OutputStream stream = Files.newOutputStream(out)) {
            if (!ImageIO.write(image, format, stream)) {
                throw new IOException(out + ": no " + format + " writer for this picture");
            }
        } catch (FileSystemException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }
}
