package io.rsground.text;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a checkpoint stores to rebuild its tokenizer; serialises to JSON with Jackson, e.g.
 * <pre>
 * {"kind":"clip-bpe","merges":"bpe_simple_vocab_16e6.txt.gz"}
 * {"kind":"clip-bpe","merges":"merges.txt","vocab":"vocab.json"}
 * {"kind":"word","words":["&lt;pad&gt;","&lt;unk&gt;","&lt;sot&gt;","&lt;eot&gt;","the","tank",...]}
 * </pre>
 * File names are relative to the directory that holds the spec (the checkpoint directory keeps a
 * copy of the files), and are resolved by {@link Tokenizers#fromSpec}.
 *
 * @param kind {@value #CLIP_BPE} or {@value #WORD}
 * @param merges clip-bpe: the merges file, either OpenAI's {@code .txt.gz} or a Hugging Face
 *     {@code merges.txt}; null for word
 * @param vocab clip-bpe in the Hugging Face layout: its {@code vocab.json}; null otherwise
 * @param words word: the whole vocabulary in id order (index = id), the four reserved tokens first;
 *     null for clip-bpe
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenizerSpec(String kind, String merges, String vocab, List<String> words) {

    /** Kind of OpenAI CLIP's byte-level BPE tokenizer ({@link ClipBpeTokenizer}). */
    public static final String CLIP_BPE = "clip-bpe";
    /** Kind of the word-level tokenizer for models trained from scratch ({@link WordTokenizer}). */
    public static final String WORD = "word";

    /** Created on first use: Jackson's start-up is not free and most specs are never serialised. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Checks that the fields fit the kind. */
    public TokenizerSpec {
        if (CLIP_BPE.equals(kind)) {
            if (merges == null || merges.isBlank()) {
                throw new IllegalArgumentException("tokenizer spec of kind clip-bpe needs field 'merges'");
            }
            if (words != null) {
                throw new IllegalArgumentException("tokenizer spec of kind clip-bpe must not have field 'words'");
            }
        } else if (WORD.equals(kind)) {
            if (words == null) {
                throw new IllegalArgumentException("tokenizer spec of kind word needs field 'words'");
            }
            if (merges != null || vocab != null) {
                throw new IllegalArgumentException(
                        "tokenizer spec of kind word must not have fields 'merges' or 'vocab'");
            }
            words = List.copyOf(words);
        } else {
            throw new IllegalArgumentException(
                    "unknown tokenizer kind '" + kind + "'; known: " + CLIP_BPE + ", " + WORD);
        }
    }

    /**
     * @param mergesFile the OpenAI {@code .txt.gz} merges file name, relative to the spec's directory
     * @return a clip-bpe spec
     */
    public static TokenizerSpec clipBpe(String mergesFile) {
        return new TokenizerSpec(CLIP_BPE, mergesFile, null, null);
    }

    /**
     * @param vocabFile the Hugging Face {@code vocab.json} name, relative to the spec's directory
     * @param mergesFile the Hugging Face {@code merges.txt} name, relative to the spec's directory
     * @return a clip-bpe spec of the Hugging Face layout
     */
    public static TokenizerSpec clipBpeHf(String vocabFile, String mergesFile) {
        return new TokenizerSpec(CLIP_BPE, mergesFile, vocabFile, null);
    }

    /**
     * @param words the vocabulary in id order, reserved tokens first
     * @return a word spec
     */
    public static TokenizerSpec word(List<String> words) {
        return new TokenizerSpec(WORD, null, null, words);
    }

    /** @return this spec as indented JSON */
    public String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise tokenizer spec", e);
        }
    }

    /**
     * @param json a spec as {@link #toJson()} writes it
     * @return the spec
     * @throws IllegalArgumentException when the JSON is malformed or the fields do not fit the kind
     */
    public static TokenizerSpec fromJson(String json) {
        try {
            return Json.MAPPER.readValue(json, TokenizerSpec.class);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IllegalArgumentException("bad tokenizer spec JSON: " + cause.getMessage(), e);
        }
    }

    /**
     * Writes the spec as JSON (UTF-8).
     *
     * @param file the target file, replaced if present
     * @throws IOException when it cannot be written
     */
    public void write(Path file) throws IOException {
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    /**
     * @param file a file written by {@link #write(Path)}
     * @return the spec
     * @throws IOException when the file is missing, unreadable or not a valid spec (the message names it)
     */
    public static TokenizerSpec read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "tokenizer spec file not found");
        }
        try {
            return fromJson(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
