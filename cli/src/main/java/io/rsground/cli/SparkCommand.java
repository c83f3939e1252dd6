package io.rsground.cli;

import io.rsground.spark.FeaturesJob;
import io.rsground.spark.GroundingJob;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rsground spark ...}: the Spark jobs, run in Spark's local mode from this application's own jars. */
@Command(name = "spark", mixinStandardHelpOptions = true, subcommands = {SparkCommand.Ground.class, SparkCommand.Features.class},
        description = "Spark jobs in local mode, without a Spark installation (see docs/spark.md for spark-submit)",
        footer = {"  ./rsground spark ground --weights runs/a/best_checkpoint \\",
            "      --input pairs.jsonl --output out"})
final class SparkCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The model flags both jobs take, passed on as the job's own flags. */
    static final class JobModel {
        @Option(names = "--weights", required = true, paramLabel = "FILE|DIR",
                description = "checkpoint directory, CLIP-VG .pth or .safetensors (a path or a Hadoop URI)")
        String weights;

        @Option(names = "--model-config", paramLabel = "JSON", description = "architecture of a raw weights file")
        String modelConfig;

        @Option(names = "--preset", paramLabel = "NAME", description = "architecture preset of a raw weights file")
        String preset;

        @Option(names = "--bpe", paramLabel = "FILE|DIR", description = "CLIP BPE vocabulary")
        String bpe;

        @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
                description = "PyTorch threads per task (default: the task's CPUs, spark.task.cpus)")
        int threads;

        /** @return the flags as the job reads them, in a list the caller may extend */
        List<String> args() {
            List<String> args = new ArrayList<>(List.of("--weights", weights, "--threads", Integer.toString(threads)));
            Ground.add(args, "--model-config", modelConfig);
            Ground.add(args, "--preset", preset);
            Ground.add(args, "--bpe", bpe);
            return args;
        }
    }

    /** {@code rsground spark ground}: {@link GroundingJob} with the same flags. */
    @Command(name = "ground", mixinStandardHelpOptions = true,
            description = "Ground many image-query pairs: one output row per input row, with results or an error",
            footer = {"  ./rsground spark ground --weights runs/a/best_checkpoint \\",
                "      --input pairs.jsonl --output out --format parquet --master local[2]"})
    static final class Ground implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        JobModel model;

        @Option(names = "--input", required = true, paramLabel = "PAIRS",
                description = "JSON lines, Parquet or CSV: image (path or bytes) and query or queries")
        String input;

        @Option(names = "--input-format", paramLabel = "json|parquet|csv",
                description = "the input's format (default: from its extension)")
        String inputFormat;

        @Option(names = "--output", required = true, paramLabel = "OUT", description = "output folder")
        String output;

        @Option(names = "--format", paramLabel = "parquet|json", description = "output format (default: parquet, "
                + "or json for an output named *.json or *.jsonl)")
        String format;

        @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
                description = "partitions to ground in (default: one per task slot)")
        int partitions;

        @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]",
                description = "Spark master")
        String master;

        @Option(names = "--overwrite", description = "replace an existing output")
        boolean overwrite;

        @Override
        public Integer call() {
            List<String> args = model.args();
            args.addAll(List.of("--input", input, "--output", output, "--partitions", Integer.toString(partitions),
                    "--master", master));
            add(args, "--input-format", inputFormat);
            add(args, "--format", format);
            if (overwrite) {
                args.add("--overwrite");
            }
            return GroundingJob.run(spec.commandLine().getOut(), spec.commandLine().getErr(),
                    args.toArray(String[]::new));
        }

        private static void add(List<String> args, String flag, String value) {
            if (value != null) {
                args.add(flag);
                args.add(value);
            }
        }
    }

    /** {@code rsground spark features}: {@link FeaturesJob} with the same flags. */
    @Command(name = "features", mixinStandardHelpOptions = true,
            description = "The frozen image tower's features of every image of a DIOR-RSVG layout, as safetensors "
                    + "shards and a manifest",
            footer = {"  ./rsground spark features --weights clip.safetensors --preset vit-b-16 \\",
                "      --data-root DIOR-RSVG --output features"})
    static final class Features implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        JobModel model;

        @Option(names = "--data-root", required = true, paramLabel = "ROOT",
                description = "a data set in the DIOR-RSVG layout: every file of ROOT/JPEGImages")
        String dataRoot;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "folder for the shards and "
                + "features.json (must not hold a features.json yet)")
        String output;

        @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
                description = "partitions to compute in (default: one per task slot)")
        int partitions;

        @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]",
                description = "Spark master")
        String master;

        @Override
        public Integer call() {
            List<String> args = model.args();
            args.addAll(List.of("--data-root", dataRoot, "--output", output, "--partitions",
                    Integer.toString(partitions), "--master", master));
            return FeaturesJob.run(spec.commandLine().getOut(), spec.commandLine().getErr(),
                    args.toArray(String[]::new));
        }
    }
}
