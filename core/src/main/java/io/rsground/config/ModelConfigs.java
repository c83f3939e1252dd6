package io.rsground.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Reads, writes and lists {@link ModelConfig}s: JSON files and the shipped presets. */
public final class ModelConfigs {
    /** The presets shipped as resources, in the order they are listed to users. */
    public static final List<String> PRESETS = List.of("vit-b-16", "vit-b-32", "vit-l-14", "tiny");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ModelConfigs() {
    }

    /**
     * @param name one of {@link #PRESETS}
     * @return the validated preset
     * @throws ConfigException for an unknown name, listing the known ones
     */
    public static ModelConfig preset(String name) {
        if (!PRESETS.contains(name)) {
            throw new ConfigException("unknown preset '" + name + "'; known: " + String.join(", ", PRESETS));
        }
        String resource = "/io/rsground/presets/" + name + ".json";
        try (InputStream in = ModelConfigs.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("preset resource missing from the jar: " + resource);
            }
            return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "preset " + name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param file a model-config JSON file
     * @return the validated config
     * @throws ConfigException when the file is missing, is not JSON of the expected shape, or holds bad values
     */
    public static ModelConfig read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new ConfigException("model config " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read model config " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param json the JSON text
     * @param source where it came from, for messages
     * @return the validated config
     */
    public static ModelConfig parse(String json, String source) {
        ModelConfig config;
        try {
            config = MAPPER.readValue(json, ModelConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(source + ": unknown field '" + path(e) + "'; known: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", ")), e);
        } catch (MismatchedInputException e) {
            throw new ConfigException(source + ": field '" + path(e) + "': " + e.getOriginalMessage()
                    .replaceAll("\\(class [^)]*\\)", "").trim(), e);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": not valid JSON at line " + e.getLocation().getLineNr() + ": "
                    + e.getOriginalMessage(), e);
        }
        if (config == null) {
            throw new ConfigException(source + ": empty model config");
        }
        try {
            return config.validate();
        } catch (ConfigException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    /** @return the config as indented JSON in the documented shape */
    public static String toJson(ModelConfig config) {
        try {
            return MAPPER.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the config as JSON. */
    public static void write(ModelConfig config, Path file) throws IOException {
        Files.writeString(file, toJson(config) + "\n");
    }

    private static String path(MismatchedInputException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }
}
