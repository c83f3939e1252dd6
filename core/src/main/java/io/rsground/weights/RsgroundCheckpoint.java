package io.rsground.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.config.ModelConfig;
import io.rsground.config.ModelConfigs;
import io.rsground.text.ClipBpeTokenizer;
import io.rsground.text.Tokenizer;
import io.rsground.text.TokenizerSpec;
import io.rsground.text.Tokenizers;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * rsground's own checkpoint: a directory that holds everything needed to use a model again.
 * <pre>
 * DIR/checkpoint.json            format name and version, what wrote it, extra facts (epoch, scores, ...)
 * DIR/model.json                 the architecture ({@link ModelConfig})
 * DIR/tokenizer/tokenizer.json   the tokenizer description ({@link TokenizerSpec}) and the files it names
 * DIR/weights.safetensors        the parameters under the reference CLIP-VG names, float32
 * DIR/...                        further files a writer adds (the trainer's optimizer state)
 * </pre>
 * Directories are written whole into a temporary sibling and renamed into place, so a reader never sees half a
 * checkpoint: a run killed while saving leaves the previous checkpoint (possibly under {@code DIR.old}, which
 * {@link #resolve} falls back to).
 *
 * <p>Versioning: {@code format_version} counts incompatible changes. This reader reads every version up to
 * {@link #FORMAT_VERSION}; a newer one is refused with a message asking for a newer rsground.
 */
public final class RsgroundCheckpoint {
    /** The format name written into {@code checkpoint.json}. */
    public static final String FORMAT = "rsground-checkpoint";
    /** The newest format version this code writes and reads. */
    public static final int FORMAT_VERSION = 1;
    public static final String MANIFEST = "checkpoint.json";
    public static final String MODEL_CONFIG = "model.json";
    public static final String TOKENIZER_DIR = "tokenizer";
    public static final String TOKENIZER_SPEC = "tokenizer.json";
    public static final String WEIGHTS = "weights.safetensors";
    /** Info key: the typical side in pixels of the training images (the window side of tiled grounding). */
    public static final String TRAINING_SCALE = "training_scale_px";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RsgroundCheckpoint() {
    }

    /**
     * A checkpoint read back.
     *
     * @param dir where it was read from
     * @param config the architecture
     * @param tokenizer the tokenizer, rebuilt from its description
     * @param weights the parameters, canonical names
     * @param info everything in {@code checkpoint.json}
     */
    public record Contents(Path dir, ModelConfig config, Tokenizer tokenizer, Map<String, HostTensor> weights,
            JsonNode info) {
    }

    /** Extra files a writer wants in the checkpoint, written by a callback into the temporary directory. */
    @FunctionalInterface
    public interface ExtraFiles {
        void write(Path dir) throws IOException;
    }

    /** @return true when the directory looks like an rsground checkpoint */
    public static boolean isCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve(MANIFEST));
    }

    /**
     * @return the directory, or its {@code .old} sibling when a save was interrupted between its two renames
     */
    public static Path resolve(Path dir) {
        Path old = dir.resolveSibling(dir.getFileName() + ".old");
        return !isCheckpoint(dir) && isCheckpoint(old) ? old : dir;
    }

    /**
     * Writes a checkpoint atomically.
     *
     * @param dir the checkpoint directory (replaced if it exists)
     * @param config the architecture
     * @param tokenizer the tokenizer (its source files are copied in)
     * @param weights parameters under canonical names
     * @param info facts to record in {@code checkpoint.json} (epoch, scores, preset, ...), may be empty
     * @param extra more files to write, or null
     */
    public static void write(Path dir, ModelConfig config, Tokenizer tokenizer, Map<String, HostTensor> weights,
            Map<String, Object> info, ExtraFiles extra) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, dir.getFileName() + ".tmp-");
        try {
            // temporary directories are private; a checkpoint is shared like any other output
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString(
                        "rwxr-xr-x"));
            }
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("format", FORMAT);
            manifest.put("format_version", FORMAT_VERSION);
            manifest.put("rsground_version", Version.get());
            manifest.put("created", Instant.now().toString());
            manifest.put("model_config", MODEL_CONFIG);
            manifest.put("tokenizer", TOKENIZER_DIR + "/" + TOKENIZER_SPEC);
            manifest.put("weights", WEIGHTS);
            manifest.set("info", JSON.valueToTree(info == null ? Map.of() : info));
            ModelConfigs.write(config, tmp.resolve(MODEL_CONFIG));
            Path tokDir = Files.createDirectories(tmp.resolve(TOKENIZER_DIR));
            if (tokenizer instanceof ClipBpeTokenizer clip) {
                for (Path source : clip.sourceFiles()) {
                    Files.copy(source, tokDir.resolve(source.getFileName().toString()));
                }
            }
            tokenizer.describe().write(tokDir.resolve(TOKENIZER_SPEC));
            SafeTensors.write(tmp.resolve(WEIGHTS), weights, Map.of("format", "pt", "written_by", "rsground "
                    + Version.get()));
            if (extra != null) {
                extra.write(tmp);
            }
            // the manifest last: a directory without it is not a checkpoint
            Files.writeString(tmp.resolve(MANIFEST), JSON.writeValueAsString(manifest) + "\n");
            replace(tmp, dir);
        } catch (IOException e) {
            deleteTree(tmp);
            throw naming(dir, e);
        } catch (RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    /**
     * Undoes what a process killed inside {@link #write} left: the previous checkpoint moved aside as
     * {@code dir.old} goes back when {@code dir} is missing, and the unfinished {@code dir.tmp-*} folders are
     * deleted.
     *
     * @param dir a checkpoint folder, present or not
     */
    public static void recover(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return;
        }
        String name = dir.getFileName().toString();
        Path old = dir.resolveSibling(name + ".old");
        if (Files.isDirectory(old)) {
            if (Files.exists(dir)) {
                deleteTree(old);
            } else {
                move(old, dir);
            }
        }
        try (java.util.stream.Stream<Path> siblings = Files.list(parent)) {
            for (Path p : siblings.filter(p -> p.getFileName().toString().startsWith(name + ".tmp-")).toList()) {
                deleteTree(p);
            }
        }
    }

    /**
     * @return the error, or one that names the checkpoint when the error does not name a path (a full disk
     *     reports only "No space left on device")
     */
    private static IOException naming(Path dir, IOException e) {
        String message = e.getMessage();
        if (e instanceof FileSystemException) {
            return e; // names its file
        }
        return new IOException("cannot write checkpoint " + dir + ": " + (message == null
                ? e.getClass().getSimpleName() : message), e);
    }

    /** Moves {@code tmp} to {@code dir}, keeping the old directory as {@code dir.old} until the move is done. */
    private static void replace(Path tmp, Path dir) throws IOException {
        Path old = dir.resolveSibling(dir.getFileName() + ".old");
        deleteTree(old);
        if (Files.exists(dir)) {
            move(dir, old);
        }
        move(tmp, dir);
        deleteTree(old);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /**
     * Reads a checkpoint.
     *
     * @param dir the checkpoint directory (or one whose save was interrupted; see {@link #resolve})
     * @return its contents
     * @throws IOException naming the file and what is wrong (missing parts, a newer format, ...)
     */
    public static Contents read(Path dir) throws IOException {
        Path d = resolve(dir);
        Path manifestFile = d.resolve(MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            throw new NoSuchFileException(manifestFile.toString(), null, Files.isDirectory(d)
                    ? "not an rsground checkpoint (no " + MANIFEST + ")" : "no such checkpoint directory");
        }
        JsonNode manifest;
        try {
            manifest = JSON.readTree(manifestFile.toFile());
        } catch (IOException e) {
            throw new IOException(manifestFile + ": not valid JSON: " + e.getMessage(), e);
        }
        if (manifest == null || !FORMAT.equals(manifest.path("format").asText())) {
            throw new IOException(manifestFile + ": format is '" + (manifest == null ? null
                    : manifest.path("format").asText()) + "', expected '" + FORMAT + "'");
        }
        int version = manifest.path("format_version").asInt(-1);
        if (version < 1) {
            throw new IOException(manifestFile + ": format_version missing or invalid");
        }
        if (version > FORMAT_VERSION) {
            throw new IOException(manifestFile + ": written by a newer rsground (" + manifest.path(
                    "rsground_version").asText("?") + ", checkpoint format " + version + "); this rsground ("
                    + Version.get() + ") reads formats up to " + FORMAT_VERSION);
        }
        ModelConfig config = ModelConfigs.read(inside(d, manifestFile, manifest, "model_config", MODEL_CONFIG));
        Path specFile = inside(d, manifestFile, manifest, "tokenizer", TOKENIZER_DIR + "/" + TOKENIZER_SPEC);
        Tokenizer tokenizer = Tokenizers.fromSpec(TokenizerSpec.read(specFile), specFile.getParent());
        Map<String, HostTensor> weights = SafeTensors.read(inside(d, manifestFile, manifest, "weights", WEIGHTS));
        return new Contents(d, config, tokenizer, weights, manifest.path("info"));
    }

    /**
     * @return the file a manifest key names, which must lie inside the checkpoint directory: a checkpoint is
     *     a self-contained folder, and a path leading out of it would read whatever file it names
     * @throws IOException naming the manifest, the key and its value when the path leaves the directory
     */
    private static Path inside(Path dir, Path manifestFile, JsonNode manifest, String key, String fallback)
            throws IOException {
        String name = manifest.path(key).asText(fallback);
        Path relative;
        try {
            relative = Path.of(name);
        } catch (InvalidPathException e) {
            throw new IOException(manifestFile + ": key '" + key + "' = \"" + name + "\" is not a file name", e);
        }
        Path resolved = dir.resolve(relative).normalize();
        if (name.isEmpty() || relative.isAbsolute() || !resolved.startsWith(dir.normalize())) {
            throw new IOException(manifestFile + ": key '" + key + "' = \"" + name + "\" must name a file inside "
                    + "the checkpoint directory " + dir);
        }
        return resolved;
    }

    /** Deletes a directory tree if it exists. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** @return a map of facts with insertion order, for {@link #write}'s info */
    public static Map<String, Object> info() {
        return new LinkedHashMap<>();
    }
}
