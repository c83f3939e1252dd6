package io.rsground.cli.serve;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Limits, addresses and access of the HTTP service.
 *
 * @param host address to bind, e.g. 127.0.0.1 (loopback only) or 0.0.0.0 (all interfaces)
 * @param port TCP port, 0 for any free one
 * @param threads worker threads that decode images and run the model
 * @param queueCapacity requests allowed to wait for a worker; beyond {@code threads + queueCapacity} requests
 *     in progress the server answers 503 at once
 * @param maxUploadBytes largest image upload; a JSON request may be a third larger for its base64 text
 * @param maxPixels largest width x height, checked from the image header before decoding
 * @param maxQueries most queries in one request
 * @param token the bearer token every {@code /api/} request must carry, or null for none
 * @param readTimeoutMillis longest time a request body may take to arrive, from its headers
 * @param idleTimeoutMillis longest silence on a connection before it is closed
 * @param minBytesPerSecond slowest average rate at which a request body may arrive
 */
public record ServerSettings(String host, int port, int threads, int queueCapacity, long maxUploadBytes,
        long maxPixels, int maxQueries, String token, long readTimeoutMillis, long idleTimeoutMillis,
        long minBytesPerSecond) {

    /** Longest query accepted, in characters: far beyond what the 77-token text tower reads. */
    public static final int MAX_QUERY_CHARS = 1000;
    /** Default of {@code --read-timeout}, in seconds: a 25 MiB upload at 2 Mbit/s fits. */
    public static final int DEFAULT_READ_TIMEOUT_SECONDS = 120;
    /** Silence after which a connection is closed, in milliseconds. */
    public static final long DEFAULT_IDLE_TIMEOUT_MILLIS = 10_000;
    /** Slowest average body rate accepted, in bytes per second (a byte every few seconds is an attack). */
    public static final long DEFAULT_MIN_BYTES_PER_SECOND = 4 * 1024;
    /** Shortest token accepted, in characters, so that it cannot be guessed by trying. */
    public static final int MIN_TOKEN_CHARS = 16;

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
        if (token != null && (token.strip().length() < MIN_TOKEN_CHARS || !token.equals(token.strip()))) {
            throw new IllegalArgumentException("--token (or RSGROUND_TOKEN) must be at least " + MIN_TOKEN_CHARS
                    + " characters without surrounding spaces, got " + token.length());
        }
        if (readTimeoutMillis < 1 || idleTimeoutMillis < 1 || minBytesPerSecond < 0) {
            throw new IllegalArgumentException("--read-timeout must be positive, got " + readTimeoutMillis
                    + " ms (idle timeout " + idleTimeoutMillis + " ms, minimum rate " + minBytesPerSecond + " B/s)");
        }
    }

    /** Settings without a token and with the default timeouts. */
    public ServerSettings(String host, int port, int threads, int queueCapacity, long maxUploadBytes, long maxPixels,
            int maxQueries) {
        this(host, port, threads, queueCapacity, maxUploadBytes, maxPixels, maxQueries, null,
                DEFAULT_READ_TIMEOUT_SECONDS * 1000L, DEFAULT_IDLE_TIMEOUT_MILLIS, DEFAULT_MIN_BYTES_PER_SECOND);
    }

    /** @return these settings with the given bearer token (null for none) */
    public ServerSettings withToken(String newToken) {
        return new ServerSettings(host, port, threads, queueCapacity, maxUploadBytes, maxPixels, maxQueries, newToken,
                readTimeoutMillis, idleTimeoutMillis, minBytesPerSecond);
    }

    /** @return these settings with the given body deadline, connection idle timeout and minimum body rate */
    public ServerSettings withTimeouts(long readMillis, long idleMillis, long minRate) {
        return new ServerSettings(host, port, threads, queueCapacity, maxUploadBytes, maxPixels, maxQueries, token,
                readMillis, idleMillis, minRate);
    }

    /** The token is left out, so that logging the settings does not give it away. */
    @Override
    public String toString() {
        return "ServerSettings[host=" + host + ", port=" + port + ", threads=" + threads + ", queue=" + queueCapacity
                + ", maxUploadBytes=" + maxUploadBytes + ", maxPixels=" + maxPixels + ", maxQueries=" + maxQueries
                + ", token=" + (token == null ? "none" : "set") + ", readTimeoutMillis=" + readTimeoutMillis
                + ", idleTimeoutMillis=" + idleTimeoutMillis + ", minBytesPerSecond=" + minBytesPerSecond + "]";
    }

    /** @return whether {@link #host} is a loopback address, reachable from this machine only */
    public boolean loopbackOnly() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * @return request bodies that may be arriving at once, 4 x (threads + queue) and at least 16: slow clients
     *     beside well-behaved ones fit, and the memory uploads in flight hold stays bounded
     */
    public int maxArriving() {
        return Math.max(16, 4 * (threads + queueCapacity));
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
