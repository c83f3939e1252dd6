package io.rsground.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.data.ProgressListener;
import io.rsground.image.BoxPainter;
import io.rsground.image.PictureFiles;
import io.rsground.image.Images;
import io.rsground.infer.GroundingEngine;
import io.rsground.infer.GroundingResult;
import io.rsground.infer.SceneGrounder;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Batch grounding from a JSON-lines manifest: each line {@code {"image": path, "query": text}} or
 * {@code {"image": path, "queries": [text, ...]}}, paths relative to the manifest's folder. Lines are grouped by
 * image so that each image is decoded once and its features computed once, whatever the number of lines that ask
 * about it; the next image is decoded while the model works on the current one.
 *
 * <p>Each output line is the input object with {@code "results"} added (per query: query, box_xyxy,
 * box_cxcywh_norm), or with {@code "error"} when that line cannot be answered; a line that is not a JSON object
 * becomes {@code {"line": n, "input": text, "error": ...}}. Output lines keep the input order; blank lines are
 * skipped. A bad line never stops the run.
 *
 * <p>An image large enough for the tiling options is grounded in windows read from the file (never decoded whole);
 * its queries' answers then list up to top-k boxes each, as {@code predict} does for one scene.
 */
final class ManifestRunner {
    /** One JSON value per line: text after the object makes the line an error rather than being ignored. */
    private static final ObjectReader STRICT = ResultJson.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final GroundingEngine grounder;
    private final SceneGrounder scenes;
    private final Path manifest;
    private final Path drawDir;
    private final SceneGrounder.Options options;

    /**
     * What a run did.
     *
     * @param lines non-blank lines read
     * @param failed lines answered with an error
     * @param images distinct images grounded
     * @param queries queries grounded
     */
    record Summary(int lines, int failed, int images, int queries) {
    }

    /** One manifest line on its way through. */
    private static final class Entry {
        final int lineNumber;
        final String text;
        ObjectNode input;
        Path image;
        List<String> queries;
        ArrayNode results;
        String error;
        boolean done;

        Entry(int lineNumber, String text) {
            this.lineNumber = lineNumber;
            this.text = text;
        }

        void fail(String message) {
            error = message;
            done = true;
        }
    }

    /** An image ready to ground: decoded whole, or only its size read when it is to be grounded in windows. */
    private record Loaded(BufferedImage picture, int width, int height) {
        boolean tiled() {
            return picture == null;
        }
    }

    /**
     * @param grounder the model on either engine; DJL's feature cache of at least one image lets one image's query
     *     batches share its features
     * @param manifest the JSON-lines file
     * @param drawDir where to write one annotated image per input image, or null
     */
    ManifestRunner(GroundingEngine grounder, Path manifest, Path drawDir) {
        this(grounder, manifest, drawDir, SceneGrounder.Options.DEFAULT);
    }

    /** @param options when to cut an image into windows, and the boxes kept (top-k, minimum score) */
    ManifestRunner(GroundingEngine grounder, Path manifest, Path drawDir, SceneGrounder.Options options) {
        this.grounder = grounder;
        this.scenes = new SceneGrounder(grounder);
        this.manifest = manifest;
        this.drawDir = drawDir;
        this.options = options;
    }

    /**
     * Grounds every line and writes the answers.
     *
     * @param out receives one JSON line per manifest line, in manifest order
     * @param progress told of lines answered
     * @return counts
     * @throws IOException when the manifest cannot be read or the output or a drawing cannot be written
     */
    Summary run(Writer out, ProgressListener progress) throws IOException {
        List<Entry> entries = read();
        Map<Path, List<Entry>> byImage = groupByImage(entries);
        if (drawDir != null) {
            Files.createDirectories(drawDir);
        }
        Writer sink = out;
        int[] written = {0};
        int imagesGrounded = 0;
        int queriesGrounded = 0;
        progress.progress(0, entries.size());
        flush(entries, written, sink, progress);
        List<Path> images = new ArrayList<>(byImage.keySet());
        Set<String> drawnNames = new HashSet<>();
        ExecutorService decoder = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "rsground-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Loaded> next = images.isEmpty() ? null : decoder.submit(() -> load(images.get(0)));
            for (int i = 0; i < images.size(); i++) {
                Future<Loaded> current = next;
                if (i + 1 < images.size()) {
                    Path following = images.get(i + 1);
                    next = decoder.submit(() -> load(following));
                }
                List<Entry> group = byImage.get(images.get(i));
                Loaded loaded = decoded(current, group);
                int answered = loaded == null ? 0
                        : loaded.tiled() ? groundScene(images.get(i), group, drawnNames)
                        : groundWhole(loaded.picture(), images.get(i), group, drawnNames);
                if (answered > 0) {
                    imagesGrounded++;
                    queriesGrounded += answered;
                }
                flush(entries, written, sink, progress);
            }
        } finally {
            decoder.shutdownNow();
        }
        sink.flush();
        int failed = (int) entries.stream().filter(e -> e.error != null).count();
        return new Summary(entries.size(), failed, imagesGrounded, queriesGrounded);
    }

    /**
     * @return the lines still to ground, by image (resolved against the manifest's folder) in order of first
     *     mention
     */
    private Map<Path, List<Entry>> groupByImage(List<Entry> entries) {
        Path base = manifest.toAbsolutePath().getParent();
        Map<Path, List<Entry>> byImage = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (!e.done) {
                e.image = base.resolve(e.image).normalize();
                byImage.computeIfAbsent(e.image, k -> new ArrayList<>()).add(e);
            }
        }
        return byImage;
    }

    /**
     * @return the image decoded whole, or only its size when the tiling options cut it into windows
     * @throws IOException when it cannot be read
     */
    private Loaded load(Path image) throws IOException {
        int[] size = null;
        try {
            size = ScenePrediction.size(image);
        } catch (IOException | RuntimeException e) {
            // decoding it whole below reports why the file cannot be read, in the words predict uses
        }
        if (size != null && scenes.tiles(size[0], size[1], options)) {
            return new Loaded(null, size[0], size[1]);
        }
        BufferedImage picture = Images.read(image);
        return new Loaded(picture, picture.getWidth(), picture.getHeight());
    }

    /** @return the loaded image, or null after failing the group's lines with the reason it could not be read */
    private static Loaded decoded(Future<Loaded> decoding, List<Entry> group) throws IOException {
        try {
            return decoding.get();
        } catch (ExecutionException e) {
            failAll(group, Errors.message(e.getCause()));
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * Answers every query of the group's lines on the whole image, in batches, and draws them when asked.
     *
     * @return the queries answered, 0 when the model failed (the lines then carry the error)
     */
    private int groundWhole(BufferedImage picture, Path image, List<Entry> group, Set<String> drawn)
            throws IOException {
        List<String> queries = queries(group);
        List<GroundingResult> results;
        try {
            results = grounder.groundInCalls(picture, queries);
        } catch (RuntimeException e) {
            failAll(group, "grounding failed: " + Errors.message(e));
            return 0;
        }
        int at = 0;
        for (Entry e : group) {
            e.results = ResultJson.toJson(results.subList(at, at + e.queries.size()), options.minScore());
            e.done = true;
            at += e.queries.size();
        }
        if (drawDir != null) {
            draw(BoxPainter.draw(picture, ScenePrediction.labelled(results, options.minScore())), image, drawn);
        }
        return results.size();
    }

    /**
     * Answers every query of the group's lines in windows of the scene, and draws them on its overview when asked.
     *
     * @return the queries answered, 0 when the scene could not be grounded (the lines then carry the error)
     */
    private int groundScene(Path image, List<Entry> group, Set<String> drawn) throws IOException {
        SceneGrounder.SceneResult result;
        try {
            result = scenes.ground(image, queries(group), options, SceneGrounder.WindowListener.NONE);
        } catch (IOException | RuntimeException e) {
            failAll(group, "grounding in windows failed: " + Errors.message(e));
            return 0;
        }
        int at = 0;
        for (Entry e : group) {
            e.results = ResultJson.MAPPER.createArrayNode();
            for (SceneGrounder.SceneAnswer a : result.answers().subList(at, at + e.queries.size())) {
                e.results.add(ResultJson.toJson(a));
            }
            e.done = true;
            at += e.queries.size();
        }
        if (drawDir != null) {
            draw(ScenePrediction.overview(image, result), image, drawn);
        }
        return result.answers().size();
    }

    private static List<String> queries(List<Entry> group) {
        List<String> queries = new ArrayList<>();
        for (Entry e : group) {
            queries.addAll(e.queries);
        }
        return queries;
    }

    private static void failAll(List<Entry> group, String reason) {
        for (Entry entry : group) {
            entry.fail("line " + entry.lineNumber + ": " + reason);
        }
    }

    /** Writes a drawing as {@code <image name>.png} in the drawing folder, numbered when the name was taken. */
    private void draw(BufferedImage drawing, Path image, Set<String> used) throws IOException {
        String stem = image.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        String name = stem + ".png";
        for (int n = 2; !used.add(name); n++) { // images of the same name in different folders
            name = stem + "-" + n + ".png";
        }
        Path target = drawDir.resolve(name);
        PictureFiles.write(drawing, target);
    }

    /** Writes the finished lines at the head of the list, keeping the manifest order. */
    private static void flush(List<Entry> entries, int[] written, Writer out, ProgressListener progress)
            throws IOException {
        int before = written[0];
        while (written[0] < entries.size() && entries.get(written[0]).done) {
            out.write(outputLine(entries.get(written[0])));
            out.write('\n');
            written[0]++;
        }
        if (written[0] > before) {
            progress.progress(written[0], entries.size());
        }
    }

    private static String outputLine(Entry e) throws JsonProcessingException {
        ObjectNode line;
        if (e.input != null) {
            line = e.input.deepCopy();
        } else {
            line = ResultJson.MAPPER.createObjectNode();
            line.put("line", e.lineNumber);
            line.put("input", e.text);
        }
        if (e.error != null) {
            line.put("error", e.error);
        } else {
            line.set("results", e.results);
        }
        return ResultJson.MAPPER.writeValueAsString(line);
    }

    /**
     * Parses every non-blank line; lines that cannot be grounded are marked done with their error. Each line is
     * decoded alone, so that bytes that are not UTF-8 fail their own line and no other; a byte-order mark before the
     * first line is skipped.
     */
    private List<Entry> read() throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(manifest))) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int number = 0;
            for (int b = in.read(); ; b = in.read()) {
                if (b != -1 && b != '\n') {
                    line.write(b);
                    continue;
                }
                number++;
                Entry e = decode(number, line.toByteArray());
                line.reset();
                if (e != null) {
                    entries.add(e);
                    if (!e.done) {
                        parse(e);
                    }
                }
                if (b == -1) {
                    return entries;
                }
            }
        }
    }

    /** @return the line as an entry (failed when it is not UTF-8), or null when it is blank */
    private static Entry decode(int number, byte[] bytes) {
        int from = number == 1 && bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
                && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        int to = bytes.length > from && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        ByteBuffer in = ByteBuffer.wrap(bytes, from, to - from);
        CharBuffer out = CharBuffer.allocate(to - from);
        CoderResult result = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in, out, true);
        if (result.isError()) {
            Entry e = new Entry(number, new String(bytes, from, to - from, StandardCharsets.UTF_8));
            e.fail(String.format(Locale.ROOT, "line %d: not valid UTF-8 (byte %d of the line, 0x%02x)", number,
                    in.position() - from + 1, bytes[in.position()] & 0xff));
            return e;
        }
        String text = out.flip().toString();
        return text.isBlank() ? null : new Entry(number, text);
    }

    private static void parse(Entry e) {
        JsonNode node;
        try {
            node = STRICT.readTree(e.text);
        } catch (JsonProcessingException ex) {
            e.fail("line " + e.lineNumber + ": invalid JSON: " + ex.getOriginalMessage());
            return;
        }
        if (!(node instanceof ObjectNode object)) {
            e.fail("line " + e.lineNumber + ": expected a JSON object {\"image\": ..., \"query\": ...}");
            return;
        }
        e.input = object;
        JsonNode image = object.get("image");
        if (image == null || !image.isTextual() || image.asText().isBlank()) {
            e.fail("line " + e.lineNumber + ": field 'image' (a path) is missing or not a string");
            return;
        }
        List<String> queries = queries(e, object);
        if (queries == null) {
            return;
        }
        try {
            e.image = Path.of(image.asText());
        } catch (java.nio.file.InvalidPathException ex) {
            e.fail("line " + e.lineNumber + ": 'image' is not a valid path: " + ex.getMessage());
            return;
        }
        e.queries = queries;
    }

    /** @return the line's non-blank queries, or null after failing the line with what is wrong with them */
    private static List<String> queries(Entry e, ObjectNode object) {
        JsonNode one = object.get("query");
        JsonNode many = object.get("queries");
        List<String> queries = new ArrayList<>();
        if (one != null && many != null) {
            e.fail("line " + e.lineNumber + ": give either 'query' or 'queries', not both");
            return null;
        }
        if (one != null) {
            if (!one.isTextual()) {
                e.fail("line " + e.lineNumber + ": field 'query' must be a string");
                return null;
            }
            queries.add(one.asText());
        } else if (many != null) {
            if (!many.isArray() || many.isEmpty()) {
                e.fail("line " + e.lineNumber + ": field 'queries' must be a non-empty list of strings");
                return null;
            }
            for (JsonNode q : many) {
                if (!q.isTextual()) {
                    e.fail("line " + e.lineNumber + ": field 'queries' must hold strings only");
                    return null;
                }
                queries.add(q.asText());
            }
        } else {
            e.fail("line " + e.lineNumber + ": field 'query' (or 'queries') is missing");
            return null;
        }
        for (int i = 0; i < queries.size(); i++) {
            if (queries.get(i).isBlank()) {
                e.fail(String.format(Locale.ROOT, "line %d: query %d is empty", e.lineNumber, i + 1));
                return null;
            }
        }
        return queries;
    }
}
