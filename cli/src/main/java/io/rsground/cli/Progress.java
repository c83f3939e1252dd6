package io.rsground.cli;

import io.rsground.data.ProgressListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of long work on stderr: a bar with rate and ETA on a terminal (me.tongfei:progressbar), otherwise a
 * plain line at most every few seconds, so that logs of CI or nohup runs stay readable.
 */
final class Progress implements ProgressListener, AutoCloseable {
    private static final long LINE_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

    private final String task;
    private final String unit;
    private final ProgressBar bar;
    private final PrintStream err;
    private final long start = System.nanoTime();
    private long lastLine;
    private int lastDone;
    private String extra = "";
    private int total;
    private final int everyUnits;
    private int lastLinedUnits;

    /**
     * @param task name shown before the count
     * @param total expected units
     * @param unit what is counted ("images", "samples", ...)
     */
    Progress(String task, int total, String unit) {
        this(task, total, unit, 0);
    }

    /**
     * @param everyUnits when not on a terminal, also print a line every so many units (0: time-based only)
     */
    Progress(String task, int total, String unit, int everyUnits) {
        this.everyUnits = everyUnits;
        this.task = task;
        this.unit = unit;
        this.total = total;
        this.err = System.err;
        this.bar = System.console() != null && System.getenv("RSGROUND_NO_BAR") == null
                ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" " + unit, 1)
                        .showSpeed().setStyle(ProgressBarStyle.ASCII)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).build()
                : null;
    }

    @Override
    public synchronized void progress(int done, int newTotal) {
        if (newTotal != total && newTotal > 0) {
            total = newTotal;
            if (bar != null) {
                bar.maxHint(newTotal);
            }
        }
        lastDone = done;
        if (bar != null) {
            bar.stepTo(done);
            return;
        }
        long now = System.nanoTime();
        boolean byCount = everyUnits > 0 && done - lastLinedUnits >= everyUnits;
        if (byCount || (everyUnits == 0 && now - lastLine >= LINE_INTERVAL_NANOS) || done == total) {
            lastLine = now;
            lastLinedUnits = done;
            err.println(line(done, now));
        }
    }

    /** Adds to the count. */
    synchronized void step(int n) {
        progress(lastDone + n, total);
    }

    /** Sets extra text after the bar (losses, ...). */
    synchronized void extra(String text) {
        extra = text;
        if (bar != null) {
            bar.setExtraMessage(text);
        }
    }

    private String line(int done, long now) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / seconds;
        String eta = rate > 0 && total > done ? " ETA " + format(Duration.ofSeconds((long) ((total - done) / rate)))
                : "";
        return String.format(Locale.ROOT, "%s: %d/%d %s (%.0f%%), %.1f %s/s%s%s", task, done, total, unit,
                total == 0 ? 100.0 : 100.0 * done / total, rate, unit, eta, extra.isEmpty() ? "" : ", " + extra);
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
