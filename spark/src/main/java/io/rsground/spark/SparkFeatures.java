package io.rsground.spark;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rsground.data.DatasetException;
import io.rsground.data.GroundingDataset;
import io.rsground.data.Sample;
import io.rsground.infer.ImageFeatureFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The frozen image tower's features of many images, computed on Spark and written as files: safetensors shards
 * holding one float32 tensor [1 + P, W * n] per image (the image tower's output before {@code ml_visu_proj}, the
 * image prepared by the evaluation transform), named by the image's key, and a manifest {@value #MANIFEST} listing
 * every key's shard, the images that failed, and the SHA-256 of the image tower's parameters.
 *
 * <p>These are the values training keeps in its feature cache when the image tower is frozen and the images are not
 * augmented. Training does not read these files yet (see docs/spark.md).
 */
public final class SparkFeatures {
    /** The manifest's name in the output folder. */
    public static final String MANIFEST = ImageFeatureFiles.MANIFEST;
    /** Feature bytes per shard, at most: 256 MB, about a hundred ViT-B/16 images. */
    public static final long SHARD_BYTES = 256L << 20;

    private static final StructType INPUT = new StructType().add("image", DataTypes.StringType, false)
            .add("key", DataTypes.StringType, false);
    private static final StructType OUTPUT = INPUT.add("shard", DataTypes.StringType, true)
            .add("error", DataTypes.StringType, true).add("vision_sha256", DataTypes.StringType, true);

    private SparkFeatures() {
    }

    /**
     * @param spark the session
     * @param dataRoot a data set: a DIOR-RSVG layout (path or Hadoop URI), or any layout {@link GroundingDataset}
     *     reads (OPT-RSVG, RSVG-HR, VRSBench) in a local or mounted folder
     * @return one row per image: {@code image} (its full path) and {@code key} (its path under the root, as training
     *     looks it up: {@code JPEGImages/00001.jpg}), in key order; every file of {@code ROOT/JPEGImages} when there
     *     is one, else every image the annotations refer to
     * @throws IOException when the root cannot be listed, or read as a data set
     */
    public static Dataset<Row> imagesOf(SparkSession spark, String dataRoot) throws IOException {
        Path root = new Path(dataRoot);
        FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
        if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory()) {
            throw new IOException(dataRoot + ": no such folder");
        }
        Path folder = new Path(root, "JPEGImages");
        TreeMap<String, String> byKey = new TreeMap<>();
        if (fs.exists(folder) && fs.getFileStatus(folder).isDirectory()) {
            for (FileStatus f : fs.listStatus(folder)) {
                if (f.isFile()) {
                    byKey.put("JPEGImages/" + f.getPath().getName(), f.getPath().toString());
                }
            }
        } else if ("file".equals(fs.getScheme())) {
            byKey.putAll(annotatedImages(java.nio.file.Path.of(fs.makeQualified(root).toUri())));
        } else {
            throw new IOException(folder + ": no such folder (other layouts than DIOR-RSVG's are read from a local or "
                    + "mounted folder)");
        }
        List<Row> rows = new ArrayList<>();
        byKey.forEach((key, path) -> rows.add(RowFactory.create(path, key)));
        return spark.createDataFrame(rows, INPUT);
    }

    /** @return the images a local data set's annotations refer to, by their path under the root */
    private static Map<String, String> annotatedImages(java.nio.file.Path root) throws IOException {
        GroundingDataset dataset;
        try {
            dataset = GroundingDataset.open(root, null);
        } catch (DatasetException e) {
            throw new IOException(e.getMessage(), e);
        }
        java.nio.file.Path base = dataset.root().toAbsolutePath().normalize();
        Map<String, String> byKey = new TreeMap<>();
        for (Sample s : dataset.allSamples()) {
            java.nio.file.Path file = s.imageFile().toAbsolutePath().normalize();
            byKey.put(base.relativize(file).toString().replace('\\', '/'), file.toUri().toString());
        }
        return byKey;
    }

    /**
     * Computes and writes the features; the output folder must not hold a manifest yet.
     *
     * @param images rows with {@code image} (a path on any Hadoop file system) and {@code key} (the tensor's name,
     *     unique)
     * @param model the model whose image tower to run, loaded once per executor
     * @param outputDir the folder for the shards and the manifest
     * @param partitions partitions to compute in, 0 for the default parallelism
     * @return per image: {@code image}, {@code key}, {@code shard} (file name) or {@code error}, and
     *     {@code vision_sha256}
     * @throws IOException when the output folder cannot be made or the manifest written
     * @throws IllegalArgumentException for duplicate keys, or an output that already holds a manifest
     */
    public static List<Row> compute(Dataset<Row> images, ModelSpec model, String outputDir, int partitions)
            throws IOException {
        SparkSession spark = images.sparkSession();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path out = new Path(outputDir);
        FileSystem fs = out.getFileSystem(hadoop);
        if (fs.exists(new Path(out, MANIFEST))) {
            throw new IllegalArgumentException(new Path(out, MANIFEST) + " exists: choose another output folder");
        }
        Dataset<Row> chosen = images.select(col("image"), col("key"));
        long duplicates = chosen.count() - chosen.select("key").distinct().count();
        if (duplicates > 0) {
            throw new IllegalArgumentException(duplicates + " image keys occur more than once: keys name tensors");
        }
        fs.mkdirs(out);
        Broadcast<HadoopConf> conf = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .broadcast(new HadoopConf(hadoop));
        int n = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
        List<Row> rows = chosen.repartition(n).mapPartitions(new FeaturePartition(model, conf,
                fs.makeQualified(out).toString(), SHARD_BYTES), Encoders.row(OUTPUT)).collectAsList();
        writeManifest(fs, new Path(out, MANIFEST), model, rows);
        return rows;
    }

    private static void writeManifest(FileSystem fs, Path file, ModelSpec model, List<Row> rows) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = json.createObjectNode();
        manifest.put("format", ImageFeatureFiles.FORMAT);
        manifest.put("weights", model.weights());
        java.util.Set<String> fingerprints = new java.util.TreeSet<>();
        Map<String, String> shards = new TreeMap<>();
        Map<String, String> errors = new TreeMap<>();
        for (Row r : rows) {
            if (!r.isNullAt(4)) {
                fingerprints.add(r.getString(4));
            }
            if (r.isNullAt(3)) {
                shards.put(r.getString(1), r.getString(2));
            } else {
                errors.put(r.getString(1), r.getString(3));
            }
        }
        if (fingerprints.size() > 1) {
            // the spec's paths held different files on different executors
            throw new IllegalStateException("executors loaded different image towers from " + model.weights()
                    + ": SHA-256 " + fingerprints);
        }
        manifest.put("vision_sha256", fingerprints.isEmpty() ? null : fingerprints.iterator().next());
        manifest.set("shards", json.valueToTree(shards));
        manifest.set("errors", json.valueToTree(errors));
        try (OutputStream stream = fs.create(file, false)) {
            stream.write(json.writerWithDefaultPrettyPrinter().writeValueAsString(manifest)
                    .getBytes(StandardCharsets.UTF_8));
        }
    }
}
