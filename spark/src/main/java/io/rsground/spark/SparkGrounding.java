package io.rsground.spark;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.api.java.JavaRDD;
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
 * Visual grounding of many image-query pairs on Spark: image + sentence -> box, the same answers as
 * {@code rsground predict --manifest}.
 *
 * <p>Input rows have {@code image}, a path on any Hadoop file system (string) or the encoded image (binary), and
 * either {@code query} (string) or {@code queries} (array of strings); other columns pass through. The output has
 * every input column, {@code row_id} (the input position, added when the input has none: sort by it to restore the
 * input order), and then either {@code results} or {@code error}:
 * <pre>
 * results: array&lt;struct&lt;query: string,
 *                        box_xyxy: array&lt;double&gt;         -- x1, y1, x2, y2 in pixels of the original image
 *                        box_cxcywh_norm: array&lt;double&gt;  -- cx, cy, w, h normalised to the padded model input
 *                        score: double&gt;&gt;                 -- presence probability; null without a presence head
 * error:   string                                      -- why this row has no answer, naming its row_id
 * </pre>
 * A bad row (missing or undecodable image, missing or empty query) gets an error and the job goes on; there is
 * exactly one output row per input row. Rows are hashed to partitions by image and sorted by it, so that each
 * image is decoded and encoded by the image tower once however many rows ask about it. The model is loaded once
 * per executor JVM from the spec's paths (see {@link ModelSpec}).
 */
public final class SparkGrounding {
    private SparkGrounding() {
    }

    /**
     * How to run the job.
     *
     * @param partitions partitions to ground in, or 0 for the context's default parallelism (one per task slot)
     * @param baseDir the folder (path or URI) relative image paths are resolved against, or null to leave them to
     *     the file system (the working folder, for local files)
     */
    public record Options(int partitions, String baseDir) {
        /** One partition per task slot; paths as given. */
        public static final Options DEFAULT = new Options(0, null);

        /** Checks the partition count. */
        public Options {
            if (partitions < 0) {
                throw new IllegalArgumentException("partitions must be 0 (default) or more, got " + partitions);
            }
        }
    }

    /**
     * Grounds every row's queries in its image, with {@link Options#DEFAULT}.
     *
     * @param pairs rows with {@code image} and {@code query} or {@code queries}
     * @param model the model to load on the executors
     * @return the input columns, {@code row_id}, {@code results} and {@code error}; the model runs only when an
     *     action asks for them (numbering the rows, when they have no {@code row_id}, reads the input once now)
     * @throws IllegalArgumentException when a column is missing or of the wrong type
     */
    public static Dataset<Row> ground(Dataset<Row> pairs, ModelSpec model) {
        return ground(pairs, model, Options.DEFAULT);
    }

    /**
     * Grounds every row's queries in its image.
     *
     * @param pairs rows with {@code image} and {@code query} or {@code queries}
     * @param model the model to load on the executors
     * @param options partitions and the base folder of relative paths
     * @return as {@link #ground(Dataset, ModelSpec)}
     */
    public static Dataset<Row> ground(Dataset<Row> pairs, ModelSpec model, Options options) {
        PairSchema.check(pairs.schema());
        Dataset<Row> numbered = withRowIds(pairs);
        PairSchema schema = PairSchema.of(numbered.schema());
        SparkSession spark = pairs.sparkSession();
        int partitions = options.partitions() > 0 ? options.partitions()
                : spark.sparkContext().defaultParallelism();
        Broadcast<HadoopConf> conf = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .broadcast(new HadoopConf(spark.sparkContext().hadoopConfiguration()));
        // all rows of one image in one partition, next to each other: one decode and one image-tower pass each
        Dataset<Row> byImage = numbered.repartition(partitions, col(PairSchema.IMAGE))
                .sortWithinPartitions(col(PairSchema.IMAGE), col(PairSchema.ROW_ID));
        return byImage.mapPartitions(new GroundPartition(model, conf, schema, options.baseDir()),
                Encoders.row(schema.output()));
    }

    /**
     * @param pairs any rows
     * @return the rows with {@code row_id}, their position in the input counted from 0, appended; the rows as they
     *     are when they already have a {@code row_id} column. Consecutive ids need each partition's size: a job
     *     that reads the input runs now
     */
    public static Dataset<Row> withRowIds(Dataset<Row> pairs) {
        StructType schema = pairs.schema();
        if (java.util.Arrays.asList(schema.fieldNames()).contains(PairSchema.ROW_ID)) {
            return pairs;
        }
        int width = schema.size();
        JavaRDD<Row> numbered = pairs.javaRDD().zipWithIndex().map(t -> {
            Object[] values = new Object[width + 1];
            for (int i = 0; i < width; i++) {
                values[i] = t._1().get(i);
            }
            values[width] = t._2();
            return RowFactory.create(values);
        });
        return pairs.sparkSession().createDataFrame(numbered,
                schema.add(PairSchema.ROW_ID, DataTypes.LongType, false));
    }
}
