package io.rsground.spark;

import java.util.Locale;

/**
 * The command line of {@link GroundingJob}, parsed by hand so that the job jar needs nothing beyond core and Spark.
 *
 * @param model the model to load on the executors
 * @param input the pairs: JSON lines, Parquet or CSV (a file or a folder; path or Hadoop URI)
 * @param inputFormat {@code json}, {@code parquet} or {@code csv}
 * @param output where to write: a folder of part files, as Spark writes
 * @param format {@code parquet} or {@code json} (JSON lines)
 * @param partitions partitions to ground in, 0 for the default parallelism
 * @param master the Spark master, or null for spark-submit's (or {@code local[*]} outside spark-submit)
 * @param overwrite replace an existing output
 */
record JobArgs(ModelSpec model, String input, String inputFormat, String output, String format, int partitions,
        String master, boolean overwrite) {

    /** What the job says when its arguments are wrong. */
    static final String USAGE = String.join("\n",
            "usage: ground --weights W [--model-config M | --preset P] [--bpe B] [--threads N]",
            "              --input PAIRS [--input-format json|parquet|csv] --output OUT [--format parquet|json]",
            "              [--partitions N] [--master URL] [--overwrite]",
            "  PAIRS rows: image (path, relative ones to PAIRS's folder, or bytes) and query or queries;",
            "  OUT: every input column, row_id, results (query, box_xyxy, box_cxcywh_norm, score) or error");

    /** A command line that cannot run. */
    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * @param args the command line
     * @return the parsed arguments
     * @throws UsageException naming the flag that is unknown, missing, lacks a value or has a bad one
     */
    static JobArgs parse(String... args) {
        String weights = null, modelConfig = null, preset = null, bpe = null, input = null, inputFormat = null;
        String output = null, format = null, master = null;
        int threads = 0, partitions = 0;
        boolean overwrite = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("--overwrite")) {
                overwrite = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new UsageException(flag.startsWith("--") ? flag + " needs a value" : "unexpected " + flag);
            }
            String value = args[++i];
            switch (flag) {
                case "--weights" -> weights = value;
                case "--model-config" -> modelConfig = value;
                case "--preset" -> preset = value;
                case "--bpe" -> bpe = value;
                case "--threads" -> threads = count(flag, value);
                case "--input" -> input = value;
                case "--input-format" -> inputFormat = choice(flag, value, "json", "parquet", "csv");
                case "--output" -> output = value;
                case "--format" -> format = choice(flag, value, "parquet", "json");
                case "--partitions" -> partitions = count(flag, value);
                case "--master" -> master = value;
                default -> throw new UsageException("unknown option " + flag);
            }
        }
        require(weights, "--weights");
        require(input, "--input");
        require(output, "--output");
        if (modelConfig != null && preset != null) {
            throw new UsageException("give either --model-config or --preset, not both");
        }
        if (inputFormat == null) {
            inputFormat = formatOf(input);
        }
        if (format == null) {
            format = output.endsWith(".json") || output.endsWith(".jsonl") ? "json" : "parquet";
        }
        ModelSpec spec = new ModelSpec(weights, modelConfig, preset, bpe, threads);
        return new JobArgs(spec, input, inputFormat, output, format, partitions, master, overwrite);
    }

    /** @return the input's format from its extension */
    private static String formatOf(String input) {
        String name = input.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
            return "json";
        }
        if (name.endsWith(".parquet")) {
            return "parquet";
        }
        if (name.endsWith(".csv")) {
            return "csv";
        }
        throw new UsageException("cannot tell the format of --input " + input + " from its name: give "
                + "--input-format json|parquet|csv");
    }

    private static void require(String value, String flag) {
        if (value == null || value.isBlank()) {
            throw new UsageException("missing " + flag);
        }
    }

    private static int count(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(flag + " must be a whole number of at least 0, got '" + value + "'");
    }

    private static String choice(String flag, String value, String... allowed) {
        String v = value.toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return a;
            }
        }
        throw new UsageException(flag + " must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }
}
