package io.rsground.cli.serve;

/** A request the service refuses: becomes {@code {"error": message}} with the status. */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    /**
     * @param status HTTP status, 4xx (or 503)
     * @param message what was wrong and what is expected
     */
    ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** @return the HTTP status */
    int status() {
        return status;
    }
}
