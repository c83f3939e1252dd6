package io.rsground.spark;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;

/**
 * Local copies of model files given as Hadoop URIs: the model loader reads local files (it maps the weights), so a
 * file or checkpoint directory on {@code hdfs://} or {@code s3a://} is copied once per JVM into a temporary folder.
 * Paths without a scheme, and {@code file:} URIs, are used where they are.
 */
final class LocalFiles {
    private static final Map<String, Path> COPIES = new ConcurrentHashMap<>();

    private final Configuration conf;

    LocalFiles(Configuration conf) {
        this.conf = conf;
    }

    /**
     * @param location a local path or a Hadoop URI
     * @return a local path to the same file or directory
     * @throws IOException when a remote file cannot be copied
     */
    Path local(String location) throws IOException {
        String scheme = scheme(location);
        if (scheme == null || scheme.length() == 1) { // no scheme, or a Windows drive letter
            return Path.of(location);
        }
        if (scheme.equals("file")) {
            return Path.of(URI.create(location));
        }
        try {
            return COPIES.computeIfAbsent(location, k -> {
                try {
                    return copy(k);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private Path copy(String location) throws IOException {
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(location);
        FileSystem fs = remote.getFileSystem(conf);
        Path dir = Files.createTempDirectory("rsground-model-");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> FileUtil.fullyDelete(dir.toFile()),
                "rsground-model-cleanup"));
        Path target = dir.resolve(remote.getName());
        if (!FileUtil.copy(fs, remote, target.toFile(), false, conf)) {
            throw new IOException("cannot copy " + location + " to " + target);
        }
        return target;
    }

    /** @return the URI scheme of a location, or null for a plain path */
    static String scheme(String location) {
        try {
            return new URI(location).getScheme();
        } catch (URISyntaxException e) {
            return null; // spaces and the like: a plain local path
        }
    }
}
