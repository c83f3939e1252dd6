package io.rsground.data;

import java.util.Objects;

/**
 * One problem found in a data set: where it is and what is wrong.
 *
 * @param file the file, relative to the data root when it lies inside it (forward slashes), else as given
 * @param line the 1-based line in that file, or {@code null} when the problem concerns the whole file
 * @param index the global object index concerned, or {@code null} when no single object is
 * @param message what is wrong, with the offending values
 */
public record Problem(String file, Integer line, Integer index, String message) {

    /** Checks that file and message are given. */
    public Problem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    /** @return a copy naming the given global object index */
    Problem withIndex(int objectIndex) {
        return new Problem(file, line, objectIndex, message);
    }

    /** @return {@code file:line: [object N] message}, the way compilers print errors */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(file);
        if (line != null) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (index != null) {
            sb.append("[object ").append(index).append("] ");
        }
        return sb.append(message).toString();
    }
}
