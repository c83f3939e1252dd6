package io.rsground.cli;

import io.rsground.weights.Version;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rsground} command line. */
@Command(name = "rsground", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Text-conditioned object localisation (visual grounding) in remote-sensing images: CLIP-VG "
                + "in Java.",
        subcommands = {DemoCommand.class, PredictCommand.class, TrainCommand.class, EvalCommand.class, VisualizeCommand.class,
            ServeCommand.class, SynthCommand.class, DataCommand.class, PseudoCommand.class, ReliabilityCommand.class,
            BenchCommand.class, ExportCommand.class, SparkCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (0 ok, 2 bad input, 1 failure). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** @return the configured picocli command line */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new Errors());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("rsground: " + ex.getMessage());
            ex.getCommandLine().getErr().println("(see '" + ex.getCommandLine().getCommandSpec().qualifiedName()
                    + " --help')");
            return Errors.BAD_INPUT;
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Prints the build's version. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"rsground " + Version.get()};
        }
    }
}
