package io.rsground.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A short hash of a split's ordered (image, box, expression) list, so that two results can be known to come from
 * the same split: loaders that list annotation files in file-system order have reported figures on another split
 * than the one they named.
 *
 * <p>Hashed per sample, in split order: the image's file name (not its folder, so the same data on two machines
 * agrees), the box corners rounded to 0.01 px, and the expression as the model reads it (trimmed, lower-cased), each
 * line {@code name \t x1,y1,x2,y2 \t query \n} in UTF-8, through SHA-256; the first 16 hex digits are kept.
 */
public final class SplitFingerprint {
    /** Hex digits kept: 64 bits, ample to tell splits apart. */
    public static final int DIGITS = 16;

    private SplitFingerprint() {
    }

    /** @return {@code sha256:} and the first {@value #DIGITS} hex digits of the split's hash */
    public static String of(List<Sample> samples) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
        for (Sample s : samples) {
            String line = String.format(Locale.ROOT, "%s\t%.2f,%.2f,%.2f,%.2f\t%s\n", s.imageFile().getFileName(),
                    s.box().x1(), s.box().y1(), s.box().x2(), s.box().y2(), s.query());
            digest.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest()).substring(0, DIGITS);
    }
}
