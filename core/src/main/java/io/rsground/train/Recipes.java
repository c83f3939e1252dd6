package io.rsground.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.config.ConfigException;
import io.rsground.config.TrainConfig;
import io.rsground.config.TrainConfigBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Recipes: partial training configurations, as JSON, laid over the defaults ({@code train --recipe NAME|FILE}).
 * {@code reference} is the defaults themselves (the reference's fine-tune); plugins register theirs as resources.
 */
public final class Recipes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> RESOURCES = new TreeMap<>();

    private Recipes() {
    }

    /**
     * Registers a recipe shipped as a resource.
     *
     * @param name the recipe's name
     * @param resource the absolute resource path of its JSON
     */
    public static synchronized void register(String name, String resource) {
        RESOURCES.put(name, resource);
    }

    /** @return the known recipe names */
    public static List<String> names() {
        TrainingPlugin.loadAll();
        synchronized (Recipes.class) {
            List<String> names = new java.util.ArrayList<>(RESOURCES.keySet());
            names.add(0, "reference");
            return List.copyOf(names);
        }
    }

    /**
     * @param nameOrFile a registered recipe's name, or a JSON file
     * @return a builder over the defaults with the recipe laid over them
     * @throws ConfigException for an unknown name, or a file that is not a recipe (naming the key)
     */
    public static TrainConfigBuilder load(String nameOrFile) throws IOException {
        TrainingPlugin.loadAll();
        if (nameOrFile.equals("reference")) {
            return TrainConfig.builder();
        }
        String resource;
        synchronized (Recipes.class) {
            resource = RESOURCES.get(nameOrFile);
        }
        JsonNode tree;
        if (resource != null) {
            try (InputStream in = Recipes.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("recipe resource missing from the jar: " + resource);
                }
                tree = JSON.readTree(in);
            }
        } else if (Files.isRegularFile(Path.of(nameOrFile))) {
            tree = JSON.readTree(Path.of(nameOrFile).toFile());
        } else {
            throw new ConfigException("unknown recipe '" + nameOrFile + "': neither a file nor one of "
                    + String.join(", ", names()));
        }
        if (!(tree instanceof ObjectNode object)) {
            throw new ConfigException("recipe " + nameOrFile + " is not a JSON object");
        }
        TrainConfigBuilder b = TrainConfig.builder().merge(object);
        try {
            b.build();
        } catch (ConfigException e) {
            throw new ConfigException("recipe " + nameOrFile + ": " + e.getMessage(), e);
        }
        return b;
    }
}
