package io.rsground.spark;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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
        Map<String, String> f = flags(args, Set.of("--weights", "--model-config", "--preset", "--bpe", "--threads",
                "--input", "--input-format", "--output", "--format", "--partitions", "--master"), "--overwrite");
        String input = require(f, "--input");
        String output = require(f, "--output");
        String inputFormat = f.containsKey("--input-format") ? choice("--input-format", f.get("--input-format"),
                "json", "parquet", "csv") : formatOf(input);
        String format = f.containsKey("--format") ? choice("--format", f.get("--format"), "parquet", "json")
                : output.endsWith(".json") || output.endsWith(".jsonl") ? "json" : "parquet";
        return new JobArgs(model(f), input, inputFormat, output, format, count(f, "--partitions"), f.get("--master"),
                f.containsKey("--overwrite"));
    }

    /**
     * @param args the command line
     * @param valued the flags that take a value
     * @param switches the flags that take none
     * @return each flag given with its value ("" for switches)
     * @throws UsageException for an unknown flag or a missing value
     */
    static Map<String, String> flags(String[] args, Set<String> valued, String... switches) {
        Map<String, String> given = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (List.of(switches).contains(flag)) {
                given.put(flag, "");
            } else if (!valued.contains(flag)) {
                throw new UsageException(flag.startsWith("--") ? "unknown option " + flag : "unexpected " + flag);
            } else if (i + 1 >= args.length) {
                throw new UsageException(flag + " needs a value");
            } else {
                given.put(flag, args[++i]);
            }
        }
        return given;
    }

    /** @return the model the flags name: {@code --weights}, {@code --model-config} or {@code --preset}, ... */
    static ModelSpec model(Map<String, String> f) {
        String weights = require(f, "--weights");
        if (f.containsKey("--model-config") && f.containsKey("--preset")) {
            throw new UsageException("give either --model-config or --preset, not both");
        }
        return new ModelSpec(onDriver(weights), onDriver(f.get("--model-config")), f.get("--preset"),
                onDriver(f.get("--bpe")), count(f, "--threads"));
    }

    /**
     * @param location a model file as given on the command line, or null
     * @return a relative local path made absolute against the driver's working folder (executors on a cluster run in
     *     folders of their own, where it would name nothing); absolute paths and URIs as given
     */
    static String onDriver(String location) {
        if (location == null || LocalFiles.scheme(location) != null) {
            return location;
        }
        java.nio.file.Path path = java.nio.file.Path.of(location);
        return path.isAbsolute() ? location : path.toAbsolutePath().toString();
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

    /** @return the flag's value */
    static String require(Map<String, String> f, String flag) {
        String value = f.get(flag);
        if (value == null || value.isBlank()) {
            throw new UsageException("missing " + flag);
        }
        return value;
    }

    /** @return the flag's whole number of at least 0, or 0 when not given */
    static int count(Map<String, String> f, String flag) {
        String value = f.get(flag);
        if (value == null) {
            return 0;
        }
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
