package io.rsground.spark;

import java.net.URI;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under another scheme ({@value #SCHEME}:///absolute/path), standing in for a remote Hadoop file
 * system: only a job that passes the driver's Hadoop settings to its executors can read it, and the model loader
 * cannot read it directly.
 */
public class SchemeFileSystem extends RawLocalFileSystem {
    static final String SCHEME = "rsgtest";

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }
}
