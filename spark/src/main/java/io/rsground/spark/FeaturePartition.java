package io.rsground.spark;

import ai.djl.ndarray.NDArray;
import io.rsground.config.ModelConfig;
import io.rsground.image.EvalTransform;
import io.rsground.image.Images;
import io.rsground.image.Preprocessed;
import io.rsground.infer.Grounder;
import io.rsground.infer.ImageFeatures;
import io.rsground.model.ClipVgModel;
import io.rsground.util.TensorScope;
import io.rsground.weights.HostTensor;
import io.rsground.weights.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Computes the frozen image tower's output for one partition's images and writes it as safetensors shards, one
 * tensor [1 + P, W * n] float32 per image, named by the image's key. Images are prepared by the evaluation transform,
 * as training prepares them for its feature cache (which is only valid without augmentation). An image that cannot
 * be read gets an error row; the model that cannot load fails the task.
 */
final class FeaturePartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final ModelSpec spec;
    private final Broadcast<HadoopConf> conf;
    private final String outputDir;
    private final long shardBytes;

    /**
     * @param spec the model
     * @param conf the driver's Hadoop configuration
     * @param outputDir the folder (path or URI) the shards go to
     * @param shardBytes feature bytes per shard, at most (one image more than that never splits)
     */
    FeaturePartition(ModelSpec spec, Broadcast<HadoopConf> conf, String outputDir, long shardBytes) {
        this.spec = spec;
        this.conf = conf;
        this.outputDir = outputDir;
        this.shardBytes = shardBytes;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws IOException {
        TaskContext task = TaskContext.get();
        Grounder grounder = null;
        ModelConfig config = null;
        String fingerprint = null;
        List<Row> out = new ArrayList<>();
        List<Object[]> pending = new ArrayList<>(); // rows whose features wait in the shard being filled
        Map<String, HostTensor> shard = new LinkedHashMap<>();
        long bytes = 0;
        int shards = 0;
        while (rows.hasNext()) {
            Row row = rows.next();
            String image = row.getString(0);
            String key = row.getString(1);
            if (grounder == null) {
                grounder = ExecutorModels.get(spec, conf.value());
                ExecutorModels.useThreads(spec, task == null ? 1 : task.cpus());
                config = grounder.loaded().model().config();
                fingerprint = ExecutorModels.visionFingerprint(spec, grounder);
            }
            float[] features;
            try {
                features = features(grounder, config, image);
            } catch (IOException | RuntimeException e) {
                out.add(RowFactory.create(image, key, null, "image '" + image + "': " + e.getMessage(),
                        fingerprint));
                continue;
            }
            shard.put(key, HostTensor.ofFloats(new long[] {1 + config.vision().numPatches(),
                config.vision().multiLevelWidth()}, features));
            pending.add(new Object[] {image, key});
            bytes += (long) features.length * Float.BYTES;
            if (bytes >= shardBytes) {
                out.addAll(flush(shard, pending, task, shards++, fingerprint, config));
                bytes = 0;
            }
        }
        if (!shard.isEmpty()) {
            out.addAll(flush(shard, pending, task, shards, fingerprint, config));
        }
        return out.iterator();
    }

    /** @return [1 + P, W * n] row-major: the image tower's output for the image, prepared for evaluation */
    private float[] features(Grounder grounder, ModelConfig config, String image) throws IOException {
        Path path = new Path(image);
        FileSystem fs = path.getFileSystem(conf.value().get());
        byte[] bytes;
        try (InputStream in = fs.open(path)) {
            bytes = in.readAllBytes();
        }
        Preprocessed pre = new EvalTransform(config.vision().imageSize()).apply(Images.read(bytes, image));
        ClipVgModel model = grounder.loaded().model();
        try (TensorScope scope = TensorScope.inference(grounder.loaded().manager())) {
            NDArray visual = ImageFeatures.ofImage(model, scope.manager(), pre.pixels(), null, null);
            return visual.toFloatArray();
        }
    }

    /** Writes the shard (locally, then to the output folder) and @return the rows of the images it holds */
    private List<Row> flush(Map<String, HostTensor> shard, List<Object[]> pending, TaskContext task, int number,
            String fingerprint, ModelConfig config) throws IOException {
        long attempt = task == null ? 0 : task.taskAttemptId();
        int partition = task == null ? 0 : task.partitionId();
        // the attempt in the name: a failed attempt's shard can never be mistaken for the one the rows list
        String name = String.format(Locale.ROOT, "features-%05d-%d-%03d.safetensors", partition, attempt, number);
        java.nio.file.Path dir = Files.createTempDirectory("rsground-features-");
        java.nio.file.Path local = dir.resolve(name);
        try {
            SafeTensors.write(local, shard, Map.of("rsground", "image-features", "vision_sha256", fingerprint,
                    "image_size", Integer.toString(config.vision().imageSize()),
                    "layout", "[1 + patches, width * levels] float32: the image tower's output before ml_visu_proj"));
            Path target = new Path(outputDir, name);
            target.getFileSystem(conf.value().get()).copyFromLocalFile(false, true, new Path(local.toUri()), target);
        } finally {
            Files.deleteIfExists(local);
            Files.deleteIfExists(dir);
        }
        List<Row> rows = new ArrayList<>(pending.size());
        for (Object[] p : pending) {
            rows.add(RowFactory.create(p[0], p[1], name, null, fingerprint));
        }
        shard.clear();
        pending.clear();
        return rows;
    }
}
