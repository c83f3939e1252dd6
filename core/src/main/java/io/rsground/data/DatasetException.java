package io.rsground.data;

import java.util.List;

/** Thrown when a data set cannot be used as it is; carries every problem found, not just the first. */
public final class DatasetException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Problems listed in the message before it is cut short. */
    static final int SHOWN = 20;

    private final transient List<Problem> problems;

    /**
     * @param what which data set, e.g. its root folder
     * @param problems every problem found (at least one)
     */
    public DatasetException(String what, List<Problem> problems) {
        super(message(what, problems));
        this.problems = List.copyOf(problems);
    }

    private static String message(String what, List<Problem> problems) {
        StringBuilder sb = new StringBuilder(what).append(": ").append(problems.size())
                .append(problems.size() == 1 ? " problem" : " problems");
        problems.stream().limit(SHOWN).forEach(p -> sb.append("\n  ").append(p));
        if (problems.size() > SHOWN) {
            sb.append("\n  ... and ").append(problems.size() - SHOWN).append(" more (run `rsground data check`)");
        }
        return sb.toString();
    }

    /** @return every problem found */
    public List<Problem> problems() {
        return problems;
    }
}
