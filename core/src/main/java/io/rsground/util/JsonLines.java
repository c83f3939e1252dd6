package io.rsground.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a JSON-lines file of rsground's own (one value per non-blank line), naming the file and line of a bad one. */
public final class JsonLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What is done with each line's value. */
    @FunctionalInterface
    public interface Visitor {
        /**
         * @param number the line's number, from 1
         * @param node its value
         */
        void line(int number, JsonNode node) throws IOException;
    }

    private JsonLines() {
    }

    /**
     * @param file a UTF-8 JSON-lines file
     * @param visitor told of each non-blank line in order
     * @throws IOException naming the file and line of a line that is not JSON, or as the visitor throws
     */
    public static void forEach(Path file, Visitor visitor) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IOException(file + ":" + number + ": not JSON: " + e.getOriginalMessage(), e);
                }
                visitor.line(number, node);
            }
        }
    }
}
