package io.rsground.cli.serve;

import io.rsground.infer.Grounder;
import io.rsground.infer.ModelLoader;
import io.rsground.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The fixture model, loaded once for all server tests of the JVM (loading is the slow part). */
final class TestModel {
    private static Grounder shared;

    private TestModel() {
    }

    /** @return a grounder over the tiny fixture checkpoint, shared, with a feature cache of 16 images */
    static synchronized Grounder grounder() {
        if (shared == null) {
            shared = fresh(Grounder.DEFAULT_CACHE_SIZE);
        }
        return shared;
    }

    /** @return a grounder of its own, which the caller closes */
    static Grounder fresh(int cacheSize) {
        try {
            return new Grounder(ModelLoader.load(new ModelLoader.Request(Fixtures.tiny("checkpoint.pth"),
                    Fixtures.tiny("model.json"), null, bpe(), true)), cacheSize);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path bpe() {
        return Fixtures.shared().resolve("clip/bpe_simple_vocab_16e6.txt.gz");
    }

    static Path image(String name) {
        return Fixtures.tiny("images/" + name);
    }

    /** Settings on loopback, any free port, with the given pool and limits. */
    static ServerSettings settings(int threads, int queue, long maxUploadBytes, long maxPixels, int maxQueries) {
        return new ServerSettings("127.0.0.1", 0, threads, queue, maxUploadBytes, maxPixels, maxQueries);
    }
}
