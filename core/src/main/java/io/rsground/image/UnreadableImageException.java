package io.rsground.image;

import java.io.IOException;

/**
 * An image file that cannot be turned into pixels: unknown format, truncated or corrupt data, a
 * size over the configured limit, or bands that cannot be mapped to RGB. The message names the
 * file (or the name given for in-memory bytes) and what was wrong.
 */
public class UnreadableImageException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong, naming the file */
    public UnreadableImageException(String message) {
        super(message);
    }

    /**
     * @param message what was wrong, naming the file
     * @param cause the decoder's own exception
     */
    public UnreadableImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
