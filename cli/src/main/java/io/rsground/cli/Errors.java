package io.rsground.cli;

import io.rsground.config.ConfigException;
import io.rsground.weights.WeightMismatchException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;

/**
 * Turns exceptions into one-line messages and exit codes: 2 for bad input (files that are missing or unreadable,
 * invalid configs, weights that do not fit, bad arguments), 1 for anything unexpected (with the stack trace when
 * {@code RSGROUND_DEBUG} is set).
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int BAD_INPUT = 2;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        String name = cl.getCommandSpec().qualifiedName();
        if (isBadInput(ex)) {
            cl.getErr().println(name + ": " + message(ex));
            if (System.getenv("RSGROUND_DEBUG") != null) {
                ex.printStackTrace(cl.getErr());
            }
            return BAD_INPUT;
        }
        cl.getErr().println(name + ": failed: " + message(ex));
        ex.printStackTrace(cl.getErr());
        return FAILURE;
    }

    static boolean isBadInput(Throwable ex) {
        return ex instanceof IOException || ex instanceof UncheckedIOException || ex instanceof ConfigException
                || ex instanceof WeightMismatchException || ex instanceof IllegalArgumentException
                || ex instanceof BadInputException || ex instanceof io.rsground.data.DatasetException;
    }

    /** @return a one-line reason, naming the file for the JDK's terse file exceptions */
    static String message(Throwable ex) {
        if (ex instanceof UncheckedIOException u && u.getCause() != null) {
            ex = u.getCause();
        }
        if (ex instanceof NoSuchFileException f) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : "no such file");
        }
        if (ex instanceof AccessDeniedException f) {
            return f.getFile() + ": permission denied";
        }
        if (ex instanceof WeightMismatchException w && System.getenv("RSGROUND_DEBUG") == null) {
            return w.summary(3) + " (RSGROUND_DEBUG=1 lists all)";
        }
        String m = ex.getMessage();
        return m == null || m.isBlank() ? ex.getClass().getSimpleName() : m.replace('\n', ' ');
    }

    /** A user error detected by a command itself. */
    static final class BadInputException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadInputException(String message) {
            super(message);
        }
    }
}
