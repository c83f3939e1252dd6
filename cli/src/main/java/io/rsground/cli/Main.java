package io.rsground.cli;

import io.rsground.weights.Version;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code rsground} command line. */
@Command(name = "rsground", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Text-conditioned object localisation (visual grounding) in remote-sensing images: CLIP-VG "
                + "in Java.",
        footer = {"  ./rsground demo",
            "  ./rsground predict --weights demo-out/train/best_checkpoint \\",
            "      --image scene.png --query \"the airplane\"",
            "  ./rsground train --help"},
        subcommands = {DemoCommand.class, PredictCommand.class, TrainCommand.class, EvalCommand.class, VisualizeCommand.class,
            ServeCommand.class, SynthCommand.class, DataCommand.class, PseudoCommand.class, ReliabilityCommand.class,
            BenchCommand.class, ExportCommand.class, SparkCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    private static final int LONG_OPTIONS_WIDTH = 32;

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
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("rsground: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("(see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return Errors.BAD_INPUT;
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // option names with their snake_case aliases are long: a wider name column keeps descriptions beside them
        cl.setUsageHelpLongOptionsMaxWidth(LONG_OPTIONS_WIDTH);
        cl.setUsageHelpAutoWidth(true);
        helpLayout(cl);
        return cl;
    }

    /** Every command shows its options' defaults and a one-line synopsis (the options are listed below it). */
    private static void helpLayout(CommandLine cl) {
        CommandLine.Model.UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
        usage.showDefaultValues(true);
        if (!cl.getCommandSpec().options().isEmpty() && cl.getSubcommands().isEmpty()) {
            usage.abbreviateSynopsis(true);
        }
        if (usage.footer().length > 0 && usage.footerHeading().isEmpty()) {
            usage.footerHeading("%nExamples:%n");
        }
        cl.getSubcommands().values().forEach(Main::helpLayout);
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
