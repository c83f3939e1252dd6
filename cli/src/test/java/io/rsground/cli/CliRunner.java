package io.rsground.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import io.rsground.testing.Fixtures;
import picocli.CommandLine;

/** Runs the command line in-process and captures what it prints. */
final class CliRunner {
    private CliRunner() {
    }

    /**
     * What a run printed.
     *
     * @param exitCode the exit code
     * @param out stdout
     * @param err stderr
     */
    record Result(int exitCode, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    static Path shared() {
        return Fixtures.shared();
    }

    static Path tiny(String name) {
        return Fixtures.tiny(name);
    }
}
