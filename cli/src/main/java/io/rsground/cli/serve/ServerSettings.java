package io.rsground.cli.serve;

/**
 * Limits and addresses of the HTTP service.
 *
 * @param host address to bind, e.g. 127.0.0.1 (loopback only) or 0.0.0.0 (all interfaces)
 * @param port TCP port, 0 for any free one
 * @param threads worker threads that decode images and run the model
 * @param queueCapacity requests allowed to wait for a worker; beyond {@code threads + queueCapacity} requests
 *     in progress the server answers 503 at once
 * @param maxUploadBytes largest image upload; a JSON request may be a third larger for its base64 text
 * @param maxPixels largest width x height, checked from the image header before decoding
 * @param maxQueries most queries in one request
 */
public record ServerSettings(String host, int port, int threads, int queueCapacity, long maxUploadBytes,
        long maxPixels, int maxQueries) {

    /** Longest query accepted, in characters: far beyond what the 77-token text tower reads. */
    public static final int MAX_QUERY_CHARS = 1000;

    /** Checks every value, naming the flag that sets it. */
    public ServerSettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("--host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        if (queueCapacity < 0) {
            throw new IllegalArgumentException("--queue must be at least 0, got " + queueCapacity);
        }
        if (maxUploadBytes < 1) {
            throw new IllegalArgumentException("--max-upload-mb must be positive, got " + maxUploadBytes + " bytes");
        }
        if (maxPixels < 1) {
            throw new IllegalArgumentException("--max-pixels must be positive, got " + maxPixels);
        }
        if (maxQueries < 1) {
            throw new IllegalArgumentException("--max-queries must be at least 1, got " + maxQueries);
        }
    }

    /**
     * @return the largest JSON request body: the upload limit as base64 (4 bytes per 3) plus 64 KiB for the
     *     queries and the JSON around them
     */
    public long maxJsonBodyBytes() {
        return (maxUploadBytes + 2) / 3 * 4 + 64 * 1024;
    }

    /** @return the largest multipart request body: the upload limit plus 64 KiB for the query parts */
    public long maxMultipartBodyBytes() {
        return maxUploadBytes + 64 * 1024;
    }
}
