package io.rsground.cli;

import io.rsground.data.CheckReport;
import io.rsground.data.DatasetChecker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code rsground data}: data set tools. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Data set tools.",
        subcommands = {DataCommand.Check.class}, footer = {"  ./rsground data check --data-root DIOR-RSVG"})
final class DataCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code rsground data check}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Read a DIOR-RSVG-layout folder, decode every referenced image and report every problem."
                    + " Exit 0 when clean, 2 when any problem.",
            footer = {"  ./rsground data check --data-root DIOR-RSVG --quick",
                "  ./rsground data check --data-root DIOR-RSVG --splits my-splits --json"})
    static final class Check implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--data-root", required = true, paramLabel = "ROOT",
                description = "folder holding JPEGImages/ and Annotations/")
        Path root;

        @Option(names = "--splits", paramLabel = "DIR", description = "folder of train/val/test.txt "
                + "(default: ROOT/splits)")
        Path splits;

        @Option(names = "--json", description = "print one JSON object on stdout")
        boolean json;

        @Option(names = "--quick", description = "read image headers only instead of decoding whole images")
        boolean quick;

        @Override
        public Integer call() throws Exception {
            CheckReport report;
            try (Progress progress = new Progress("check", 0, "images")) {
                report = DatasetChecker.check(root, splits, quick, progress);
            }
            spec.commandLine().getOut().println(json ? report.toJson() : report.toText());
            return report.exitCode();
        }
    }
}
