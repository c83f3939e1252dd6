package io.rsground.weights;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A weights file that cannot be read: truncated, malformed, inconsistent, unsupported or refused as unsafe.
 * The message names the file, the place in it (tensor key, zip entry, pickle byte) and what was expected
 * versus what was found.
 */
public class WeightFileException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String location;

    /**
     * @param file the file being read
     * @param location where in the file, e.g. {@code "tensor 'clip.proj'"}, or {@code null} for the whole file
     * @param problem what was expected and what was found
     */
    public WeightFileException(Path file, String location, String problem) {
        this(file, location, problem, null);
    }

    /**
     * @param file the file being read
     * @param location where in the file, or {@code null} for the whole file
     * @param problem what was expected and what was found
     * @param cause the underlying error, or {@code null}
     */
    public WeightFileException(Path file, String location, String problem, Throwable cause) {
        super(file + (location == null ? "" : ": " + location) + ": " + problem, cause);
        this.file = file;
        this.location = location;
    }

    /** @return the file that could not be read */
    public Path file() {
        return file;
    }

    /** @return where in the file the problem is (tensor key, zip entry, pickle byte), or {@code null} */
    public String location() {
        return location;
    }
}
