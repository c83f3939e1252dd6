package io.rsground.image;

/**
 * An image whose header declares more pixels (or more decoded bytes) than the configured limit; refused before
 * any pixel is decoded. A separate type so that callers such as a server can answer "too large" rather than
 * "unreadable".
 */
public class ImageTooLargeException extends UnreadableImageException {
    private static final long serialVersionUID = 1L;

    /** @param message the size found and the limit, naming the file */
    public ImageTooLargeException(String message) {
        super(message);
    }
}
