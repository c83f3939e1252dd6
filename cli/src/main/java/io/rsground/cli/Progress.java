package io.rsground.cli;

import io.rsground.data.ProgressListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Progress of long work on stderr: a bar with rate and ETA on a terminal (me.tongfei:progressbar, drawing the text
 * of {@link #text}), otherwise a plain line at most every few seconds, so that logs of CI or nohup runs stay
 * readable. The rate and the ETA leave out the time before the first update (a run's first step warms up the JIT
 * and the allocator, and can take a hundred times longer than the next) and show once a few units are timed.
 */
final class Progress implements ProgressListener, AutoCloseable {
    /** Units timed after the first update before a rate and an ETA are shown. */
    static final int TIMED_UNITS = 3;
    private static final long LINE_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();
    private static final int BAR_WIDTH = 20;

    private final String task;
    private final String unit;
    private final ProgressBar bar;
    private final PrintStream err;
    private final LongSupplier clock;
    private final int everyUnits;
    private long lastLine;
    private int lastDone;
    private String extra = "";
    private int total;
    private int lastLinedUnits;
    private long markNanos = -1;
    private int markDone;
    /** What the bar shows, set by the caller's thread and read by the bar's refresh thread. */
    private volatile String shown;
    private volatile double shownFraction;

    /**
     * @param task name shown before the count
     * @param total expected units
     * @param unit what is counted ("images", "samples", ...)
     */
    Progress(String task, int total, String unit) {
        this(task, total, unit, 0, false);
    }

    /**
     * @param everyUnits when not on a terminal, also print a line every so many units (0: time-based only)
     * @param clearWhenClosed on a terminal, erase the bar when closed instead of leaving it finished (for work
     *     that prints its own summary line, such as an epoch)
     */
    Progress(String task, int total, String unit, int everyUnits, boolean clearWhenClosed) {
        this(task, total, unit, everyUnits, System.err, System::nanoTime,
                System.console() != null && System.getenv("RSGROUND_NO_BAR") == null, clearWhenClosed);
    }

    /** For tests: the stream, the clock and whether a bar is drawn are given. */
    Progress(String task, int total, String unit, int everyUnits, PrintStream err, LongSupplier clock,
            boolean terminal, boolean clearWhenClosed) {
        this.everyUnits = everyUnits;
        this.task = task;
        this.unit = unit;
        this.total = total;
        this.err = err;
        this.clock = clock;
        this.shown = text(task, 0, total, unit, Double.NaN, extra);
        this.bar = terminal ? bar(clearWhenClosed) : null;
    }

    private ProgressBar bar(boolean clearWhenClosed) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(Math.max(total, 1))
                .setRenderer((state, width) -> render(shown, shownFraction, width))
                .setConsumer(clearWhenClosed ? new ErasingConsumer(err) : new ConsoleProgressBarConsumer(err));
        return (clearWhenClosed ? b.clearDisplayOnFinish() : b).build();
    }

    /** A console line that, when cleared, leaves the cursor at the start of the blank line for the next output. */
    private static final class ErasingConsumer extends ConsoleProgressBarConsumer {
        private final PrintStream stream;

        ErasingConsumer(PrintStream stream) {
            super(stream);
            this.stream = stream;
        }

        @Override
        public void close() {
            stream.print('\r');
            stream.flush();
        }
    }

    @Override
    public synchronized void progress(int done, int newTotal) {
        if (newTotal != total && newTotal > 0) {
            total = newTotal;
            if (bar != null) {
                bar.maxHint(newTotal);
            }
        }
        long now = clock.getAsLong();
        if (markNanos < 0) {
            markNanos = now;
            markDone = done;
        }
        lastDone = done;
        double rate = rate(done, now);
        shown = text(task, done, total, unit, rate, extra);
        shownFraction = total > 0 ? Math.min(1.0, (double) done / total) : 0;
        if (bar != null) {
            bar.stepTo(done);
            return;
        }
        boolean byCount = everyUnits > 0 && done - lastLinedUnits >= everyUnits;
        if (byCount || (everyUnits == 0 && now - lastLine >= LINE_INTERVAL_NANOS) || done == total) {
            lastLine = now;
            lastLinedUnits = done;
            err.println(shown);
        }
    }

    /** @return units per second since the first update, or NaN until {@link #TIMED_UNITS} units are timed */
    private double rate(int done, long now) {
        int timed = done - markDone;
        double seconds = (now - markNanos) / 1e9;
        return timed >= TIMED_UNITS && seconds > 0 ? timed / seconds : Double.NaN;
    }

    /** Adds to the count. */
    synchronized void step(int n) {
        progress(lastDone + n, total);
    }

    /** Sets extra text after the count (losses, ...). */
    synchronized void extra(String text) {
        extra = text;
    }

    /**
     * The progress as one line: {@code "epoch 2/64: 12/128 batches (9%), 1.4 batches/s, ETA 1m23s, loss 2.3484"}.
     *
     * @param total expected units, 0 when unknown (then neither the share nor the ETA is shown)
     * @param rate units per second, NaN when not measured yet (then neither the rate nor the ETA is shown)
     * @param extra text after the rest, or empty
     */
    static String text(String task, int done, int total, String unit, double rate, String extra) {
        StringBuilder s = new StringBuilder(task).append(": ");
        if (total > 0) {
            s.append(String.format(Locale.ROOT, "%d/%d %s (%.0f%%)", done, total, unit, 100.0 * done / total));
        } else {
            s.append(done).append(' ').append(unit);
        }
        if (!Double.isNaN(rate)) {
            s.append(String.format(Locale.ROOT, ", %.1f %s/s", rate, unit));
            if (total > done && rate > 0) {
                s.append(", ETA ").append(format(Duration.ofSeconds(Math.round((total - done) / rate))));
            }
        }
        if (!extra.isEmpty()) {
            s.append(", ").append(extra);
        }
        return s.toString();
    }

    /**
     * @return the line with a bar of {@code fraction} done after the task's name, cut or padded to {@code width}
     *     (the console redraws over the previous line, whose tail a shorter line would leave behind)
     */
    static String render(String line, double fraction, int width) {
        int colon = line.indexOf(": ");
        int filled = (int) Math.round(fraction * BAR_WIDTH);
        String bar = "[" + "=".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "] ";
        String withBar = colon < 0 ? bar + line : line.substring(0, colon + 2) + bar + line.substring(colon + 2);
        if (width <= 0) {
            return withBar;
        }
        return withBar.length() > width ? withBar.substring(0, width)
                : withBar + " ".repeat(width - withBar.length());
    }

    static String format(Duration d) {
        long s = d.getSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
