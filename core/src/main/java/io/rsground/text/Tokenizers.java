package io.rsground.text;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builds tokenizers from files and from the specs checkpoints store. */
public final class Tokenizers {
    private Tokenizers() {
    }

    /** File names of the Hugging Face layout. */
    public static final String HF_VOCAB = "vocab.json";
    /** File names of the Hugging Face layout. */
    public static final String HF_MERGES = "merges.txt";

    /**
     * Rebuilds the tokenizer a spec describes.
     *
     * @param spec the spec, e.g. read from a checkpoint
     * @param baseDir the directory the spec's file names are relative to (the checkpoint directory);
     *     unused for word specs
     * @return the tokenizer
     * @throws IOException when a file the spec names is missing or malformed
     * @throws IllegalArgumentException when a file name is absolute or leaves baseDir, or a word spec
     *     is invalid
     */
    public static Tokenizer fromSpec(TokenizerSpec spec, Path baseDir) throws IOException {
        if (TokenizerSpec.WORD.equals(spec.kind())) {
            return WordTokenizer.fromSpec(spec);
        }
        Path merges = resolveInside(baseDir, spec.merges(), "merges");
        if (spec.vocab() != null) {
            return ClipBpeTokenizer.fromHuggingFace(resolveInside(baseDir, spec.vocab(), "vocab"), merges);
        }
        return clipFromFile(merges);
    }

    /**
     * Loads CLIP BPE from whatever the user points at.
     *
     * @param path one of: OpenAI's merges file ({@code *.gz}); a plain {@code merges.txt} with a
     *     {@code vocab.json} beside it; a directory holding {@code vocab.json} + {@code merges.txt}, or
     *     else exactly one {@code *.txt.gz} merges file
     * @return the tokenizer
     * @throws IOException when the path does not exist, a companion file is missing, or the files are
     *     malformed (the message says what was expected where)
     */
    public static ClipBpeTokenizer clipFromFile(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            Path vocab = path.resolve(HF_VOCAB);
            Path merges = path.resolve(HF_MERGES);
            if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
                return ClipBpeTokenizer.fromHuggingFace(vocab, merges);
            }
            List<Path> gz = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(path, "*.txt.gz")) {
                files.forEach(gz::add);
            }
            if (gz.size() == 1) {
                return ClipBpeTokenizer.fromOpenAiMerges(gz.get(0));
            }
            throw new IOException(path + ": expected " + HF_VOCAB + " + " + HF_MERGES
                    + " or exactly one *.txt.gz merges file in this directory, found "
                    + (gz.isEmpty() ? "neither" : gz.size() + " *.txt.gz files"));
        }
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "CLIP BPE file or directory not found");
        }
        if (path.getFileName().toString().endsWith(".gz")) {
            return ClipBpeTokenizer.fromOpenAiMerges(path);
        }
        Path vocab = path.resolveSibling(HF_VOCAB);
        if (!Files.isRegularFile(vocab)) {
            throw new NoSuchFileException(vocab.toString(), null,
                    "a plain merges file (" + path.getFileName() + ") needs " + HF_VOCAB + " beside it");
        }
        return ClipBpeTokenizer.fromHuggingFace(vocab, path);
    }

    private static Path resolveInside(Path baseDir, String name, String field) {
        Path relative = Path.of(name);
        Path resolved = baseDir.resolve(relative).normalize();
        if (relative.isAbsolute() || !resolved.startsWith(baseDir.normalize())) {
            throw new IllegalArgumentException("tokenizer spec field '" + field + "' = \"" + name
                    + "\" must be a file name relative to " + baseDir);
        }
        return resolved;
    }
}
