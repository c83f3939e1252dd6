package io.rsground.weights;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The rsground version, from the build. */
public final class Version {
    private static final String VERSION = load();

    private Version() {
    }

    /** @return e.g. "0.1.0-SNAPSHOT" */
    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/io/rsground/version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
