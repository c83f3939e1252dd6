package io.rsground.cli.serve;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.eclipse.jetty.http.HttpException;

/**
 * Reads a request body whole, before the request may take a place in the work queue, and discards what an
 * answered request left unread. Jetty closes a connection silent for the idle timeout and fails a body arriving
 * slower than the minimum rate; the deadline bounds the whole body, checked as each piece arrives (a silent
 * client overshoots it by one idle timeout at most).
 */
final class RequestBodies {
    /** Request attribute holding the {@link System#nanoTime()} by which the body must have arrived. */
    static final String DEADLINE = "rsground.bodyDeadline";
    /** Request attribute set once the body has failed: nothing more can be read from the connection. */
    private static final String FAILED = "rsground.bodyFailed";
    private static final int BUFFER = 64 * 1024;

    private RequestBodies() {
    }

    /**
     * @param limit bytes allowed; one more is a 413
     * @return the whole body
     * @throws ApiException 413 over the limit, 408 too slow or past the deadline, 400 when the client went away
     */
    static byte[] read(HttpServletRequest request, long limit) {
        long declared = request.getContentLengthLong();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, BUFFER), limit));
        byte[] buffer = new byte[BUFFER];
        try {
            InputStream in = request.getInputStream();
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                if (out.size() + (long) n > limit) {
                    throw new ApiException(413, "request body exceeds the limit of " + GroundRequest.mib(limit)
                            + " (--max-upload-mb)");
                }
                out.write(buffer, 0, n);
                checkDeadline(request, out.size());
            }
        } catch (IOException | RuntimeException e) {
            throw translate(request, e, out.size());
        }
        return out.toByteArray();
    }

    /**
     * Reads and drops what is left of the body of a request answered with an error, up to {@code bound} bytes,
     * so that a client still sending reads the answer instead of a broken pipe. A body declared or found larger
     * than the bound, or one that failed, is left unread and the connection closed after the answer.
     */
    static void discard(HttpServletRequest request, HttpServletResponse response, long bound) {
        long declared = request.getContentLengthLong();
        if (request.getAttribute(FAILED) != null || declared > bound) {
            response.setHeader("Connection", "close");
            return;
        }
        byte[] buffer = new byte[BUFFER];
        long dropped = 0;
        try {
            InputStream in = request.getInputStream();
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                dropped += n;
                if (dropped > bound) {
                    response.setHeader("Connection", "close");
                    return;
                }
                checkDeadline(request, dropped);
            }
        } catch (IOException | RuntimeException e) {
            // the client is gone or too slow: the answer is still written, and the connection closed
            response.setHeader("Connection", "close");
        }
    }

    /** Marks a request whose body is refused unread: the connection is closed after the answer. */
    static void leaveUnread(HttpServletRequest request) {
        request.setAttribute(FAILED, Boolean.TRUE);
    }

    private static void checkDeadline(HttpServletRequest request, long received) {
        Object deadline = request.getAttribute(DEADLINE);
        if (deadline instanceof Long nanos && System.nanoTime() - nanos > 0) {
            throw new ApiException(408, String.format(Locale.ROOT, "the request body did not arrive in time: "
                    + "%,d bytes received by the deadline (--read-timeout)", received));
        }
    }

    private static ApiException translate(HttpServletRequest request, Exception e, long received) {
        if (e instanceof ApiException api) {
            if (api.status() == 408) {
                request.setAttribute(FAILED, Boolean.TRUE);
            }
            return api;
        }
        request.setAttribute(FAILED, Boolean.TRUE);
        HttpException http = e instanceof HttpException h ? h : e.getCause() instanceof HttpException h ? h : null;
        if (http != null && http.getCode() == 408) { // Jetty's minimum data rate
            return new ApiException(408, String.format(Locale.ROOT, "the request body arrives too slowly: %,d "
                    + "bytes received (%s)", received, http.getReason()));
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException) { // Jetty's idle timeout
                return new ApiException(408, String.format(Locale.ROOT, "the request body stopped arriving: "
                        + "%,d bytes received, then nothing for the idle timeout", received));
            }
        }
        // the client went away or sent less than it announced
        return new ApiException(400, "could not read the request body: " + e.getMessage());
    }
}
