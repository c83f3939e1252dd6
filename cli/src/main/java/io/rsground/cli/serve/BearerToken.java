package io.rsground.cli.serve;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The server's bearer token, compared in constant time: both sides are hashed first, so neither the bytes nor
 * the length of the expected token show in how long a wrong guess takes.
 */
final class BearerToken {
    private static final String SCHEME = "Bearer ";
    private final byte[] expected;

    /** @param token the secret every API request must carry */
    BearerToken(String token) {
        this.expected = sha256(token);
    }

    /** @return whether an {@code Authorization} header value carries the token (false for null) */
    boolean matches(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        return MessageDigest.isEqual(expected, sha256(authorization.substring(SCHEME.length()).strip()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
