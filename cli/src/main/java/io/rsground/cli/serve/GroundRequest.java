package io.rsground.cli.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.infer.SceneGrounder;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One grounding request as it arrived: the encoded image and the queries, read from a multipart form or a JSON
 * body within the size limits, with the queries checked.
 *
 * @param image the encoded image file (JPEG, PNG, TIFF, ...), not yet decoded
 * @param imageName what to call the image in messages (the uploaded file name, or "image_base64")
 * @param queries one to {@code maxQueries} non-blank queries
 * @param options how to cut a large image into windows and which boxes to keep: fields (or form parts)
 *     {@code tiles} (auto, off or a window side), {@code overlap}, {@code top_k}, {@code min_score}
 */
record GroundRequest(byte[] image, String imageName, List<String> queries, SceneGrounder.Options options) {
    /** The request fields (and form parts) that set the scene options, in the order {@link #options} takes them. */
    static final List<String> OPTION_FIELDS = List.of("tiles", "overlap", "top_k", "min_score");

    private static final int HTTP_BAD_REQUEST = 400;
    private static final int HTTP_TOO_LARGE = 413;
    private static final int HTTP_UNPROCESSABLE = 422;

    /**
     * Reads a JSON body {@code {"image_base64": "...", "queries": ["...", ...]}} ({@code "query": "..."} for one;
     * a {@code data:} URL prefix before the base64 is allowed).
     *
     * @param body the request body, streamed; read up to {@link ServerSettings#maxJsonBodyBytes()} + 1 bytes
     * @param mapper from {@link #jsonMapper}
     * @throws ApiException 413 for a body or image over the limit, 400 for bad JSON, base64 or a missing
     *     field, 422 for bad queries
     */
    static GroundRequest fromJson(InputStream body, ServerSettings settings, ObjectMapper mapper)
            throws IOException {
        byte[] bytes = readLimited(body, settings.maxJsonBodyBytes());
        JsonNode root;
        try {
            root = mapper.readTree(bytes);
        } catch (IOException e) {
            throw new ApiException(HTTP_BAD_REQUEST, "request body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new ApiException(HTTP_BAD_REQUEST, "request body must be a JSON object "
                    + "{\"image_base64\": ..., \"queries\": [...]}");
        }
        JsonNode encoded = root.get("image_base64");
        if (encoded == null || encoded.isNull()) {
            throw new ApiException(HTTP_BAD_REQUEST, "missing field 'image_base64' (the image file, base64)");
        }
        if (!encoded.isTextual()) {
            throw new ApiException(HTTP_BAD_REQUEST, "field 'image_base64' must be a string, got "
                    + encoded.getNodeType().toString().toLowerCase(Locale.ROOT));
        }
        byte[] image = decodeBase64(encoded.asText(), settings.maxUploadBytes());
        JsonNode many = root.get("queries");
        JsonNode one = root.get("query");
        if (many != null && one != null) {
            throw new ApiException(HTTP_BAD_REQUEST, "give either 'queries' (a list) or 'query' (one string), not "
                    + "both");
        }
        List<String> queries = new ArrayList<>();
        if (many != null) {
            if (!many.isArray()) {
                throw new ApiException(HTTP_BAD_REQUEST, "field 'queries' must be a list of strings");
            }
            for (int i = 0; i < many.size(); i++) {
                if (!many.get(i).isTextual()) {
                    throw new ApiException(HTTP_BAD_REQUEST, "queries[" + i + "] must be a string");
                }
                queries.add(many.get(i).asText());
            }
        } else if (one != null) {
            if (!one.isTextual()) {
                throw new ApiException(HTTP_BAD_REQUEST, "field 'query' must be a string");
            }
            queries.add(one.asText());
        } else {
            throw new ApiException(HTTP_BAD_REQUEST, "missing field 'queries' (a list of referring expressions)");
        }
        Map<String, String> given = new HashMap<>();
        for (String field : OPTION_FIELDS) {
            JsonNode value = root.get(field);
            if (value != null && !value.isNull()) {
                if (!value.isValueNode()) {
                    throw new ApiException(HTTP_UNPROCESSABLE, "field '" + field + "' must be a string or number");
                }
                given.put(field, value.asText());
            }
        }
        return new GroundRequest(image, "image_base64", checkQueries(queries, settings), options(given));
    }

    /**
     * Reads a {@code multipart/form-data} body with an {@code image} part (a file) and one or more {@code query}
     * parts, parsed by Jetty within the limits of {@code settings}.
     *
     * @throws ApiException 413 over the limit, 400 for a malformed form or a missing part, 422 for bad queries
     */
    static GroundRequest fromMultipart(HttpServletRequest request, ServerSettings settings) throws IOException {
        Part imagePart = null;
        List<String> queries = new ArrayList<>();
        Map<String, String> given = new HashMap<>();
        for (Part part : parts(request, settings)) {
            if (OPTION_FIELDS.contains(part.getName())) {
                try (InputStream in = part.getInputStream()) {
                    given.put(part.getName(), new String(in.readNBytes(64), StandardCharsets.UTF_8).strip());
                }
            }
            if ("image".equals(part.getName())) {
                if (imagePart != null) {
                    throw new ApiException(HTTP_BAD_REQUEST, "more than one 'image' part: send one image per "
                            + "request");
                }
                imagePart = part;
            } else if ("query".equals(part.getName())) {
                try (InputStream in = part.getInputStream()) {
                    queries.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
        if (imagePart == null) {
            throw new ApiException(HTTP_BAD_REQUEST, "missing part 'image' (the image file)");
        }
        if (queries.isEmpty()) {
            throw new ApiException(HTTP_BAD_REQUEST, "missing part 'query' (one part per referring expression)");
        }
        if (imagePart.getSize() > settings.maxUploadBytes()) {
            throw new ApiException(HTTP_TOO_LARGE, tooLarge("image", imagePart.getSize(), settings.maxUploadBytes()));
        }
        byte[] image;
        try (InputStream in = imagePart.getInputStream()) {
            image = in.readAllBytes();
        }
        String name = imagePart.getSubmittedFileName();
        return new GroundRequest(image, name == null || name.isBlank() ? "image" : name,
                checkQueries(queries, settings), options(given));
    }

    private static Iterable<Part> parts(HttpServletRequest request, ServerSettings settings) throws IOException {
        try {
            return request.getParts();
        } catch (IOException | RuntimeException | jakarta.servlet.ServletException e) {
            // Jetty reports a body over its limits and a malformed form with the same exception type
            String reason = innermostMessage(e);
            String lower = reason.toLowerCase(Locale.ROOT);
            if (lower.contains("max file size")) {
                throw new ApiException(HTTP_TOO_LARGE, "the image part exceeds the limit of "
                        + mib(settings.maxUploadBytes()) + " (--max-upload-mb)");
            }
            if (lower.contains("exceed")) {
                throw new ApiException(HTTP_TOO_LARGE, "request body exceeds the limit of "
                        + mib(settings.maxMultipartBodyBytes()) + " (--max-upload-mb)");
            }
            throw new ApiException(HTTP_BAD_REQUEST, "malformed multipart/form-data body: " + reason);
        }
    }

    private static String innermostMessage(Throwable e) {
        Throwable t = e;
        for (int depth = 0; t.getCause() != null && t.getCause() != t && depth < 10; depth++) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    /**
     * @param given option fields by name, as text; absent ones take {@link SceneGrounder.Options#DEFAULT}'s value
     * @return the scene options (422 naming the field when one is not a number or out of range)
     */
    static SceneGrounder.Options options(Map<String, String> given) {
        SceneGrounder.Options d = SceneGrounder.Options.DEFAULT;
        String field = "tiles";
        try {
            String tiles = given.getOrDefault(field, "auto");
            field = "overlap";
            double overlap = given.containsKey(field) ? Double.parseDouble(given.get(field)) : d.overlap();
            field = "top_k";
            int topK = given.containsKey(field) ? Integer.parseInt(given.get(field)) : d.topK();
            field = "min_score";
            double minScore = given.containsKey(field) ? Double.parseDouble(given.get(field)) : d.minScore();
            field = "tiles";
            return SceneGrounder.Options.parse(tiles, overlap, topK, minScore);
        } catch (NumberFormatException e) {
            throw new ApiException(HTTP_UNPROCESSABLE, "field '" + field + "' must be a number, got '"
                    + given.get(field) + "'");
        } catch (IllegalArgumentException e) {
            throw new ApiException(HTTP_UNPROCESSABLE, e.getMessage().replace("top-k", "top_k")
                    .replace("min-score", "min_score"));
        }
    }

    /** Checks count, emptiness and length of the queries (422 on failure). */
    static List<String> checkQueries(List<String> queries, ServerSettings settings) {
        if (queries.isEmpty()) {
            throw new ApiException(HTTP_UNPROCESSABLE, "no query given");
        }
        if (queries.size() > settings.maxQueries()) {
            throw new ApiException(HTTP_UNPROCESSABLE, queries.size() + " queries in one request; at most "
                    + settings.maxQueries() + " are allowed (--max-queries)");
        }
        List<String> trimmed = new ArrayList<>(queries.size());
        for (int i = 0; i < queries.size(); i++) {
            String q = queries.get(i).strip();
            if (q.isEmpty()) {
                throw new ApiException(HTTP_UNPROCESSABLE, "query " + (i + 1) + " is empty");
            }
            if (q.length() > ServerSettings.MAX_QUERY_CHARS) {
                throw new ApiException(HTTP_UNPROCESSABLE, "query " + (i + 1) + " has " + q.length()
                        + " characters; at most " + ServerSettings.MAX_QUERY_CHARS + " are allowed");
            }
            trimmed.add(q);
        }
        return List.copyOf(trimmed);
    }

    /** Reads at most {@code limit} bytes; 413 as soon as one more arrives (a chunked body has no length). */
    static byte[] readLimited(InputStream in, long limit) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (bytes.length > limit) {
            throw new ApiException(HTTP_TOO_LARGE, "request body exceeds the limit of " + mib(limit)
                    + " (--max-upload-mb)");
        }
        return bytes;
    }

    private static byte[] decodeBase64(String text, long maxBytes) {
        String data = text;
        if (data.startsWith("data:")) {
            int comma = data.indexOf(',');
            if (comma < 0 || !data.substring(0, comma).endsWith(";base64")) {
                throw new ApiException(HTTP_BAD_REQUEST, "image_base64 holds a data URL that is not base64");
            }
            data = data.substring(comma + 1);
        }
        data = data.replaceAll("\\s+", "");
        long decodedLength = data.length() / 4 * 3;
        if (decodedLength > maxBytes + 2) {
            throw new ApiException(HTTP_TOO_LARGE, tooLarge("image", decodedLength, maxBytes));
        }
        byte[] image;
        try {
            image = Base64.getDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw new ApiException(HTTP_BAD_REQUEST, "image_base64 is not valid base64: " + e.getMessage());
        }
        if (image.length == 0) {
            throw new ApiException(HTTP_BAD_REQUEST, "image_base64 is empty");
        }
        if (image.length > maxBytes) {
            throw new ApiException(HTTP_TOO_LARGE, tooLarge("image", image.length, maxBytes));
        }
        return image;
    }

    /** @return a mapper whose string limit admits the largest allowed base64 image */
    static ObjectMapper jsonMapper(long maxBody) {
        // Jackson caps strings at 20 M characters by default: a 25 MB image is 33 M characters of base64
        int maxString = (int) Math.min(Integer.MAX_VALUE, Math.max(maxBody, 1));
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(maxString).build()).build();
        return new ObjectMapper(factory);
    }

    static String tooLarge(String what, long size, long limit) {
        return String.format(Locale.ROOT, "%s of %,d bytes exceeds the limit of %s (--max-upload-mb)", what, size,
                mib(limit));
    }

    static String mib(long bytes) {
        return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB"
                : String.format(Locale.ROOT, "%.2f MiB", bytes / (1024.0 * 1024.0));
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
