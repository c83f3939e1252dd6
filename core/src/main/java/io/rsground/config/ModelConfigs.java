package io.rsground.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
            JsonNode root = MAPPER.readTree(json);
            rejectUnknownFields(root, source);
            if (!root.has("quick_gelu")) {
                // files written before the field existed, and CLIP-VG's own, mean CLIP's activation
                ((ObjectNode) root).put("quick_gelu", true);
            }
            if (!root.has("presence_head")) {
                ((ObjectNode) root).put("presence_head", false);
            }
            JsonNode vision = root.get("vision");
            if (vision instanceof ObjectNode v && !v.has("conv_stem")) {
                // CLIP's towers and files written before the field existed project patches linearly
                v.putArray("conv_stem");
            }
            config = MAPPER.treeToValue(root, ModelConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(source + ": unknown field '" + path(e) + "'; known: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", ")), e);
        } catch (MismatchedInputException e) {
            if (e.getOriginalMessage().startsWith("Missing creator property")) {
                throw new ConfigException(source + ": missing required field '" + path(e) + "'", e);
            }
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

    private static final Map<String, Set<String>> FIELDS = Map.of(
            "", Set.of("vision", "text", "embed_dim", "fusion", "max_query_len", "quick_gelu", "presence_head"),
            "vision", Set.of("image_size", "patch_size", "width", "layers", "heads", "extract_layers", "conv_stem"),
            "text", Set.of("context_length", "vocab_size", "width", "layers", "heads"),
            "fusion", Set.of("hidden_dim", "heads", "ffn_dim", "layers", "dropout"));

    /** Names a misspelt field before binding, where Jackson would first complain of the missing one. */
    private static void rejectUnknownFields(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new ConfigException(source + ": a model config is a JSON object, got " + (root == null ? "nothing"
                    : root.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        checkFields(root, "", source);
        for (String section : List.of("vision", "text", "fusion")) {
            JsonNode node = root.get(section);
            if (node != null && node.isObject()) {
                checkFields(node, section, source);
            }
        }
    }

    private static void checkFields(JsonNode node, String section, String source) {
        Set<String> known = FIELDS.get(section);
        for (java.util.Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                String where = section.isEmpty() ? name : section + "." + name;
                throw new ConfigException(source + ": unknown field '" + where + "'; known: "
                        + known.stream().sorted().collect(Collectors.joining(", ")));
            }
        }
    }

    private static String path(MismatchedInputException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }
}
