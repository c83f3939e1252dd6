package io.rsground.cli.serve;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.infer.SceneGrounder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.content.ByteBufferContentSource;

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
     * @param bytes the request body, read whole within {@link ServerSettings#maxJsonBodyBytes()}
     * @param mapper from {@link #jsonMapper}
     * @throws ApiException 413 for a body or image over the limit, 400 for bad JSON, base64 or a missing
     *     field, 422 for bad queries
     */
    static GroundRequest fromJson(byte[] bytes, ServerSettings settings, ObjectMapper mapper) {
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
     * Parses a {@code multipart/form-data} body, already read whole, with an {@code image} part (a file) and one
     * or more {@code query} parts, using Jetty's parser within the limits of {@code settings}.
     *
     * @param contentType the request's {@code Content-Type}, which names the boundary
     * @throws ApiException 413 over the limit, 400 for a malformed form or a missing part, 422 for bad queries or
     *     more parts than a request holds
     */
    static GroundRequest fromMultipart(byte[] body, String contentType, ServerSettings settings) {
        MultiPart.Part imagePart = null;
        List<String> queries = new ArrayList<>();
        Map<String, String> given = new HashMap<>();
        for (MultiPart.Part part : parts(body, contentType, settings)) {
            String name = part.getName();
            if (OPTION_FIELDS.contains(name)) {
                String value = part.getContentAsString(StandardCharsets.UTF_8);
                given.put(name, value.substring(0, Math.min(64, value.length())).strip());
            }
            if ("image".equals(name)) {
                if (imagePart != null) {
                    throw new ApiException(HTTP_BAD_REQUEST, "more than one 'image' part: send one image per "
                            + "request");
                }
                imagePart = part;
            } else if ("query".equals(name)) {
                queries.add(part.getContentAsString(StandardCharsets.UTF_8));
            }
        }
        if (imagePart == null) {
            throw new ApiException(HTTP_BAD_REQUEST, "missing part 'image' (the image file)");
        }
        if (queries.isEmpty()) {
            throw new ApiException(HTTP_BAD_REQUEST, "missing part 'query' (one part per referring expression)");
        }
        byte[] image;
        try (InputStream in = Content.Source.asInputStream(imagePart.getContentSource())) {
            image = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the part is in memory
        }
        if (image.length > settings.maxUploadBytes()) {
            throw new ApiException(HTTP_TOO_LARGE, tooLarge("image", image.length, settings.maxUploadBytes()));
        }
        String file = imagePart.getFileName();
        return new GroundRequest(image, file == null || file.isBlank() ? "image" : file,
                checkQueries(queries, settings), options(given));
    }

    /** @return the parts most a request holds: the image, the queries and the option fields */
    static int maxParts(ServerSettings settings) {
        return 1 + settings.maxQueries() + OPTION_FIELDS.size();
    }

    private static MultiPartFormData.Parts parts(byte[] body, String contentType, ServerSettings settings) {
        String boundary = MultiPart.extractBoundary(contentType);
        if (boundary == null || boundary.isEmpty()) {
            throw new ApiException(HTTP_BAD_REQUEST, "multipart/form-data without a boundary in its Content-Type");
        }
        MultiPartFormData.Parser parser = new MultiPartFormData.Parser(boundary);
        parser.setMaxParts(maxParts(settings));
        parser.setMaxLength(body.length);
        parser.setMaxMemoryFileSize(body.length + 1L); // the body is in memory already: no temporary files
        parser.setUseFilesForPartsWithoutFileName(false);
        try {
            return parser.parse(new ByteBufferContentSource(ByteBuffer.wrap(body))).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while parsing a form held in memory", e);
        } catch (ExecutionException e) {
            String reason = innermostMessage(e);
            if (reason.toLowerCase(Locale.ROOT).contains("too many")) {
                throw new ApiException(HTTP_UNPROCESSABLE, "the form has more than " + maxParts(settings)
                        + " parts; a request holds one 'image', at most " + settings.maxQueries() + " 'query' "
                        + "parts (--max-queries) and the fields " + String.join(", ", OPTION_FIELDS));
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
