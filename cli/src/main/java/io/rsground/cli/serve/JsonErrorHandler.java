package io.rsground.cli.serve;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's answers to requests refused before they reach the API (a malformed request line, a URI or headers over
 * Jetty's limits, a body that fails while being parsed) in the API's shape, {@code {"error": "..."}}, instead of
 * Jetty's HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final HttpField JSON = new HttpField(HttpHeader.CONTENT_TYPE, "application/json");

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        response.getHeaders().put(JSON);
        response.write(true, ByteBuffer.wrap(ApiException.json(describe(code, message))), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        if (HttpStatus.hasNoBody(status)) {
            return ByteBuffer.allocate(0);
        }
        fields.put(JSON);
        return ByteBuffer.wrap(ApiException.json(describe(status, reason)));
    }

    private static String describe(int status, String reason) {
        String name = HttpStatus.getMessage(status);
        String why = reason == null || reason.isBlank() || reason.equals(name) ? "" : ": " + reason;
        return "the request was refused before it reached the API (" + status + " " + name + why + ")";
    }
}
