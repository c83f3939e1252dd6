package io.rsground.train;

import io.rsground.infer.FeatureCache;
import io.rsground.infer.ImageFeatureFiles;
import io.rsground.model.ClipVgModel;
import io.rsground.weights.RsgroundCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A frozen image tower's features kept across the training runs and evaluations of one process: a curriculum's
 * stages share one frozen tower (each later stage starts from an earlier one's weights), so the first stage computes
 * each image's features and the others reuse them. Features are handed out only to a model whose image tower is
 * the one that computed them (compared by {@link ImageFeatureFiles#visionSha256}); a model with another tower gets
 * a new, empty cache. Keys are the images' paths, as training keys its cache.
 */
final class FrozenTowerFeatures {
    private final long maxBytes;
    private String visionSha256;
    private FeatureCache cache;
    /** Image tower hashes of the checkpoints evaluated, by weights file, modification time and size. */
    private final Map<String, String> towerOfCheckpoint = new HashMap<>();

    /** @param maxBytes the most feature memory kept (the first images' features up to it) */
    FrozenTowerFeatures(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * @param model a model whose image tower is frozen and whose images are prepared the same way at every use
     * @return the features its tower computed so far, by image path: shared with every earlier caller of the same
     *     tower, and empty for a tower not seen before (which replaces the earlier one's)
     */
    synchronized FeatureCache forTower(ClipVgModel model) {
        String sha = ImageFeatureFiles.visionSha256(model);
        if (!sha.equals(visionSha256)) {
            visionSha256 = sha;
            cache = FeatureCache.firstUpTo(maxBytes);
        }
        return cache;
    }

    /**
     * @param checkpoint the folder {@code model} was loaded from
     * @param model any model
     * @return the features kept for its image tower, or null when the tower is not the one kept (a tower that
     *     trains is never kept: only a run with a frozen tower asks {@link #forTower})
     * @throws IOException when the checkpoint's weights cannot be read
     */
    synchronized FeatureCache keptFor(Path checkpoint, ClipVgModel model) throws IOException {
        if (visionSha256 == null) {
            return null;
        }
        // a stage's checkpoint is evaluated more than once (search split, scoring): its tower is hashed once
        Path weights = checkpoint.resolve(RsgroundCheckpoint.WEIGHTS).toAbsolutePath().normalize();
        String version = weights + "@" + Files.getLastModifiedTime(weights).toMillis() + "/" + Files.size(weights);
        String sha = towerOfCheckpoint.computeIfAbsent(version, v -> ImageFeatureFiles.visionSha256(model));
        return visionSha256.equals(sha) ? cache : null;
    }
}
