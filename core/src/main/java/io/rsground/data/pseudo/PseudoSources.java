package io.rsground.data.pseudo;

import io.rsground.util.JsonLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Where each pseudo-label came from ({@code template}, {@code relation}), read back from {@code pseudo.jsonl}. */
public final class PseudoSources {
    /** The file {@link PseudoWriter} writes beside the annotations. */
    public static final String FILE = "pseudo.jsonl";

    private PseudoSources() {
    }

    /**
     * @param root a data set written by {@code rsground pseudo}, or any other
     * @return each label's source by its global index; empty when the root holds no {@value #FILE}
     * @throws IOException naming the file and line of a line without {@code index} and {@code source}
     */
    public static Map<Integer, String> read(Path root) throws IOException {
        Path file = root.resolve(FILE);
        Map<Integer, String> sources = new HashMap<>();
        if (!Files.isRegularFile(file)) {
            return sources;
        }
        JsonLines.forEach(file, (number, node) -> {
            if (!node.path("index").isInt() || !node.path("source").isTextual()) {
                throw new IOException(file + ":" + number + ": expected {\"index\": N, \"source\": NAME, ...}");
            }
            sources.put(node.get("index").asInt(), node.get("source").asText());
        });
        return sources;
    }
}
