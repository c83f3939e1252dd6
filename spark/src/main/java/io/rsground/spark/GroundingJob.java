package io.rsground.spark;

import static org.apache.spark.sql.functions.col;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The grounding job as a program for {@code spark-submit} (and for {@code rsground spark ground}, which runs it in
 * local mode): reads the pairs, grounds them with {@link SparkGrounding}, writes the rows in input order.
 * Relative image paths are resolved against the folder holding the input, as {@code predict --manifest} does.
 * Exit code 0 when the job ran (rows with an error included), 2 for bad arguments or input, 1 for a failure.
 */
public final class GroundingJob {
    private GroundingJob() {
    }

    /** Runs the job and exits with its code. */
    public static void main(String[] args) {
        Charset cs = Charset.defaultCharset();
        System.exit(run(new PrintWriter(System.out, true, cs), new PrintWriter(System.err, true, cs), args));
    }

    /**
     * @param out receives the summary line
     * @param err receives usage and error messages
     * @param args the command line ({@link JobArgs#USAGE})
     * @return 0 when the job ran, 2 for bad arguments or input, 1 for a failure
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        JobArgs job;
        try {
            job = JobArgs.parse(args);
        } catch (JobArgs.UsageException e) {
            err.println("ground: " + e.getMessage());
            err.println(JobArgs.USAGE);
            return Jobs.BAD_INPUT;
        }
        return Jobs.launch("ground", job.master(), err, spark -> {
            long[] counts = run(spark, job);
            out.printf(Locale.ROOT, "ground: %d rows, %d answered, %d with an error; %s written to %s%n", counts[0],
                    counts[0] - counts[1], counts[1], job.format(), job.output());
        });
    }

    /** @return rows written and rows with an error */
    static long[] run(SparkSession spark, JobArgs job) {
        Path input = new Path(job.input());
        String baseDir;
        try {
            FileSystem fs = input.getFileSystem(spark.sparkContext().hadoopConfiguration());
            Path qualified = fs.makeQualified(input);
            if (!fs.exists(qualified)) {
                throw new IllegalArgumentException("--input " + job.input() + ": no such file or folder");
            }
            baseDir = qualified.getParent() == null ? null : qualified.getParent().toString();
            Path output = new Path(job.output());
            if (!job.overwrite() && output.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(output)) {
                // said before grounding anything, not by the writer after it all
                throw new IllegalArgumentException("--output " + job.output() + " exists: give --overwrite or "
                        + "another folder");
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("--input " + job.input() + ": " + e.getMessage(), e);
        }
        DataFrameReader reader = spark.read();
        Dataset<Row> pairs = switch (job.inputFormat()) {
            case "json" -> reader.json(job.input());
            case "csv" -> reader.option("header", "true").csv(job.input());
            default -> reader.parquet(job.input());
        };
        Dataset<Row> grounded = SparkGrounding.ground(pairs, job.model(),
                new SparkGrounding.Options(job.partitions(), baseDir)).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            // kept so that the counts below do not ground everything a second time
            grounded.orderBy(col(PairSchema.ROW_ID)).write().mode(job.overwrite() ? SaveMode.Overwrite
                    : SaveMode.ErrorIfExists).format(job.format()).save(job.output());
            return new long[] {grounded.count(), grounded.filter(col(PairSchema.ERROR).isNotNull()).count()};
        } finally {
            grounded.unpersist();
        }
    }
}
