package io.rsground.spark;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;

/**
 * The features job as a program for {@code spark-submit} (and behind {@code rsground spark features}): the frozen
 * image tower's output for every image of a data set, written by {@link SparkFeatures}. Exit code 0 when
 * the job ran (images with an error included), 2 for bad arguments or input, 1 for a failure.
 */
public final class FeaturesJob {
    /** What the job says when its arguments are wrong. */
    static final String USAGE = String.join("\n",
            "usage: features --weights W [--model-config M | --preset P] [--bpe B] [--threads N]",
            "                --data-root ROOT --output DIR [--partitions N] [--master URL]",
            "  ROOT: a DIOR-RSVG layout (its JPEGImages/), or OPT-RSVG, RSVG-HR or VRSBench in a local folder; DIR: "
                    + "safetensors shards and " + SparkFeatures.MANIFEST);

    private FeaturesJob() {
    }

    /** Runs the job and exits with its code. */
    public static void main(String[] args) {
        Charset cs = Charset.defaultCharset();
        System.exit(run(new PrintWriter(System.out, true, cs), new PrintWriter(System.err, true, cs), args));
    }

    /**
     * @param out receives the summary line
     * @param err receives usage and error messages
     * @param args the command line ({@link #USAGE})
     * @return 0 when the job ran, 2 for bad arguments or input, 1 for a failure
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        Map<String, String> f;
        ModelSpec model;
        String root;
        String output;
        try {
            f = JobArgs.flags(args, Set.of("--weights", "--model-config", "--preset", "--bpe", "--threads",
                    "--data-root", "--output", "--partitions", "--master"));
            model = JobArgs.model(f);
            root = JobArgs.require(f, "--data-root");
            output = JobArgs.require(f, "--output");
            JobArgs.count(f, "--partitions");
        } catch (JobArgs.UsageException e) {
            err.println("features: " + e.getMessage());
            err.println(USAGE);
            return Jobs.BAD_INPUT;
        }
        return Jobs.launch("features", f.get("--master"), err, spark -> {
            List<Row> rows = SparkFeatures.compute(SparkFeatures.imagesOf(spark, root), model, output,
                    JobArgs.count(f, "--partitions"));
            long failed = rows.stream().filter(r -> !r.isNullAt(3)).count();
            long shards = rows.stream().filter(r -> r.isNullAt(3)).map(r -> r.getString(2)).distinct().count();
            out.printf(Locale.ROOT, "features: %d images, %d written in %d shards, %d with an error; %s%n",
                    rows.size(), rows.size() - failed, shards, failed, output + "/" + SparkFeatures.MANIFEST);
        });
    }
}
