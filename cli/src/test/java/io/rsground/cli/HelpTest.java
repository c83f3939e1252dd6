package io.rsground.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Every command's help: described options with their defaults, an example, suggestions for misspellings. */
class HelpTest {

    /** @return every command below the root, nested ones included */
    private static List<CommandLine> commands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        for (CommandLine sub : root.getSubcommands().values()) {
            if (!all.contains(sub) && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                all.add(sub);
                all.addAll(commands(sub));
            }
        }
        return all;
    }

    @Test
    void everyVisibleOptionOfEveryCommandHasADescription() {
        List<String> undescribed = new ArrayList<>();
        for (CommandLine cl : commands(Main.commandLine())) {
            for (OptionSpec option : cl.getCommandSpec().options()) {
                String text = String.join(" ", option.description()).strip();
                if (!option.hidden() && text.isEmpty()) {
                    undescribed.add(cl.getCommandSpec().qualifiedName() + " " + option.longestName());
                }
            }
        }
        assertThat(undescribed).isEmpty();
    }

    @Test
    void everyCommandShowsDefaultsAndAnExampleWithoutBlankLinesAmongTheOptions() {
        for (CommandLine cl : commands(Main.commandLine())) {
            CommandSpec spec = cl.getCommandSpec();
            String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
            assertThat(spec.usageMessage().showDefaultValues()).as(spec.qualifiedName()).isTrue();
            assertThat(help).as(spec.qualifiedName()).contains("Example");
            String options = help.substring(0, help.indexOf("Example"));
            assertThat(options).as(spec.qualifiedName()).doesNotContain("\n\n      --");
            assertThat(help).as(spec.qualifiedName()).doesNotContain("Default: []");
        }
    }

    @Test
    void trainHelpGivesEachSettingItsDefault() {
        CliRunner.Result r = CliRunner.run("train", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--epochs").contains("Default: 110").contains("Default: 2.5E-4")
                .contains("--recipe demo").contains("--config");
    }

    @Test
    void aMisspelledCommandGetsASuggestion() {
        CliRunner.Result r = CliRunner.run("tran");
        assertThat(r.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(r.err()).contains("'tran'").contains("Did you mean").contains("train");
    }

    @Test
    void aMisspelledOptionGetsASuggestion() {
        CliRunner.Result r = CliRunner.run("eval", "--weights", "w", "--data-root", "d", "--batchsize", "4");
        assertThat(r.exitCode()).isEqualTo(Errors.BAD_INPUT);
        assertThat(r.err()).contains("--batchsize").contains("--batch-size");
    }
}
