package io.rsground.cli.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.rsground.cli.ResultJson;
import java.io.UncheckedIOException;

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

    /** @return the body of every error answer, {@code {"error": message}}, as UTF-8 JSON */
    static byte[] json(String message) {
        try {
            return ResultJson.MAPPER.writeValueAsBytes(ResultJson.MAPPER.createObjectNode().put("error", message));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
