package io.rsground.infer;

import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.rsground.config.ConfigException;
import io.rsground.model.ClipVgModel;
import io.rsground.weights.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Image features computed elsewhere (the {@code spark features} job) and read back by training: a folder of
 * safetensors shards, each tensor the frozen image tower's output [1 + P, W * n] of one image named by its key (its
 * path under the data root, e.g. {@code JPEGImages/00001.jpg}), and a manifest {@value #MANIFEST} listing each key's
 * shard and the SHA-256 of the image tower that computed them, which a reader compares with its own.
 */
public final class ImageFeatureFiles {
    /** The manifest's name. */
    public static final String MANIFEST = "features.json";
    /** The manifest's {@code format}. */
    public static final String FORMAT = "rsground-image-features/1";

    private ImageFeatureFiles() {
    }

    /**
     * @return the SHA-256 (hex) over the image tower's parameters: names in order, then their float32 values little
     *     endian; equal for towers that compute the same features
     */
    public static String visionSha256(ClipVgModel model) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
        for (Map.Entry<String, Parameter> e : new TreeMap<>(model.namedParameters()).entrySet()) {
            if (ClipVgModel.isVisionParameter(e.getKey())) {
                digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                float[] values = e.getValue().getArray().toFloatArray();
                ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(values);
                digest.update(bytes);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * Indexes the features of the keys the folder holds and maps them (read per image, never all at once), after
     * checking they come from this model's image tower.
     *
     * @param dir the features folder
     * @param model the model that will use them
     * @param keys the keys wanted; those the manifest does not list (or lists under errors) are left out
     * @return features [1 + P, W * n] float32 by key, read from the mapped shards
     * @throws ConfigException naming the manifest when its format, tower or image size differ from the model's, or
     *     naming the shard and tensor when a tensor is missing or of another size
     * @throws io.rsground.weights.WeightFileException naming the shard and tensor when a shard is truncated
     */
    public static MappedImageFeatures open(Path dir, ClipVgModel model, Collection<String> keys) throws IOException {
        return open(dir, visionSha256(model), model.config().vision().imageSize(),
                (1L + model.config().vision().numPatches()) * visualWidth(model), keys,
                MappedImageFeatures.MAX_REGION_BYTES);
    }

    /**
     * {@link #open(Path, ClipVgModel, Collection)} for a tower known by its fingerprint.
     *
     * @param visionSha256 the reading tower's {@link #visionSha256}
     * @param imageSize the side in pixels of the images the tower reads
     * @param floatsPerImage values of each image's features, (1 + P) * W * n
     * @param maxRegionBytes the longest region one mapping covers ({@link MappedImageFeatures#MAX_REGION_BYTES})
     */
    public static MappedImageFeatures open(Path dir, String visionSha256, int imageSize, long floatsPerImage,
            Collection<String> keys, long maxRegionBytes) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new NoSuchFileException(manifest.toString(), null, "no features manifest (write it with rsground "
                    + "spark features)");
        }
        JsonNode m = new ObjectMapper().readTree(manifest.toFile());
        if (!FORMAT.equals(m.path("format").asText())) {
            throw new ConfigException(manifest + ": format '" + m.path("format").asText() + "', expected " + FORMAT);
        }
        if (!visionSha256.equals(m.path("vision_sha256").asText())) {
            throw new ConfigException(manifest + ": the features come from an image tower with vision_sha256 "
                    + m.path("vision_sha256").asText() + "; this run's tower is " + visionSha256 + " (train with the "
                    + "weights the features job used: " + m.path("weights").asText() + ")");
        }
        Map<Path, List<String>> byShard = new LinkedHashMap<>();
        JsonNode shards = m.path("shards");
        for (String key : keys) {
            if (shards.hasNonNull(key)) {
                byShard.computeIfAbsent(dir.resolve(shards.get(key).asText()), s -> new ArrayList<>()).add(key);
            }
        }
        for (Path shard : byShard.keySet()) {
            String size = SafeTensors.readHeader(shard).metadata().get("image_size");
            if (!Integer.toString(imageSize).equals(size)) {
                throw new ConfigException(shard + ": features of " + size + " px images; this model reads "
                        + imageSize + " px");
            }
        }
        return MappedImageFeatures.map(byShard, floatsPerImage, maxRegionBytes);
    }

    /** @return W * n: the width of the concatenated tapped layers the tower outputs */
    private static long visualWidth(ClipVgModel model) {
        return (long) model.config().vision().width() * model.config().vision().extractLayers().size();
    }
}
