package io.rsground.spark;

import java.io.IOException;
import java.io.PrintWriter;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.SparkSession;

/** What the job programs share: their session and their exit codes. */
final class Jobs {
    /** The job ran (rows or images with an error included). */
    static final int OK = 0;
    /** Something unexpected failed. */
    static final int FAILURE = 1;
    /** Bad arguments or input: a missing file or column, a model that cannot load. */
    static final int BAD_INPUT = 2;

    private Jobs() {
    }

    /** A job's work on a session. */
    interface Work {
        void run(SparkSession spark) throws Exception;
    }

    /**
     * Runs work on a session: the given master's, else spark-submit's, else {@code local[*]}; a session this
     * method made is stopped at the end.
     *
     * @param name the job's name in messages
     * @param master the master URL, or null
     * @param err receives the one-line reason of a failure
     * @return {@link #OK}, {@link #BAD_INPUT} or {@link #FAILURE}
     */
    static int launch(String name, String master, PrintWriter err, Work work) {
        boolean submitted = System.getProperty("spark.master") != null; // spark-submit sets it
        SparkSession.Builder builder = SparkSession.builder().appName("rsground " + name);
        if (master != null) {
            builder.master(master);
        } else if (!submitted) {
            builder.master("local[*]");
        }
        SparkSession spark = builder.getOrCreate();
        try {
            work.run(spark);
            return OK;
        } catch (Exception e) { // Spark's AnalysisException is checked, yet thrown undeclared
            Throwable load = loadFailure(e);
            if (e instanceof IllegalArgumentException || e instanceof AnalysisException || e instanceof IOException
                    || load != null) {
                err.println(name + ": " + (load != null ? load : e).getMessage());
                return BAD_INPUT;
            }
            err.println(name + ": failed: " + e.getMessage());
            e.printStackTrace(err);
            return FAILURE;
        } finally {
            if (master != null || !submitted) {
                spark.stop(); // our own session; spark-submit stops its own
            }
        }
    }

    /** @return the model's load failure that ended the job, or null for any other failure */
    private static Throwable loadFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ExecutorModels.LoadFailure) {
                return t;
            }
        }
        return null;
    }
}
