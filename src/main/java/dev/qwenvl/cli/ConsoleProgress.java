package dev.qwenvl.cli;

import dev.qwenvl.caption.CaptionProgress;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a caption run on stderr: videos done of total, windows, captions per second and an
 * ETA. On a terminal the line is redrawn in place with {@code \r}; otherwise (a log file, a pipe)
 * nothing is printed until the final summary, so logs stay clean.
 */
final class ConsoleProgress implements CaptionProgress {
    private final PrintWriter err;
    private final boolean terminal;
    private final LongSupplier nanoClock;
    private final int total;
    private long startNanos;
    private volatile int videosDone; // read by the interrupt notice
    private long windowsDone;
    private int groupWindows;
    /** Requests the engine holds (streaming runs); -1 until told. */
    private long engineHeld = -1;
    private int lastWidth;

    ConsoleProgress(PrintWriter err, boolean terminal, int totalVideos, LongSupplier nanoClock) {
        this.err = err;
        this.terminal = terminal;
        this.total = totalVideos;
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
    }

    /** Restarts the clock (after the engine is up, so its start-up time does not skew the rate). */
    void start() {
        startNanos = nanoClock.getAsLong();
        draw();
    }

    @Override
    public void windowsPlanned(int windows) {
        groupWindows = windows;
        draw();
    }

    @Override
    public void windowsDone(int windows) {
        windowsDone += windows;
        draw();
    }

    @Override
    public void engineHolds(long requests) {
        if (requests != engineHeld) {
            engineHeld = requests;
            draw();
        }
    }

    /** {@code videos} more videos finished (captioned or failed). */
    void videosDone(int videos) {
        videosDone += videos;
        groupWindows = 0;
        draw();
    }

    /** Videos finished (captioned or failed) in this run so far. */
    int videosDone() {
        return videosDone;
    }

    double elapsedSeconds() {
        return (nanoClock.getAsLong() - startNanos) / 1e9;
    }

    /**
     * The progress line, e.g. {@code videos 3/10 | windows 12 (4 in this group) | 2.40 windows/s | ETA 0:42},
     * or with a streaming engine {@code videos 3/10 | windows 12 | 2.40 windows/s | engine holds 9 | ETA 0:42}.
     */
    String line() {
        double elapsed = elapsedSeconds();
        double rate = elapsed > 0 ? windowsDone / elapsed : 0;
        String eta = videosDone == 0 || elapsed <= 0 ? "--:--"
                : duration(elapsed / videosDone * (total - videosDone));
        String inFlight = groupWindows > 0 ? " (" + groupWindows + " in this group)" : "";
        String held = engineHeld >= 0 ? " | engine holds " + engineHeld : "";
        return String.format(Locale.ROOT, "videos %d/%d | windows %d%s | %.2f windows/s%s | ETA %s",
                videosDone, total, windowsDone, inFlight, rate, held, eta);
    }

    private void draw() {
        if (!terminal || InterruptNotice.stopping()) { // the notice owns the last line
            return;
        }
        String text = line();
        String pad = text.length() < lastWidth ? " ".repeat(lastWidth - text.length()) : "";
        lastWidth = Math.max(lastWidth, text.length());
        err.print("\r" + text + pad);
        err.flush();
    }

    /** Prints {@code line} on its own line (above the redrawn progress line on a terminal). */
    void note(String line) {
        if (terminal && lastWidth > 0) {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
        }
        err.println(line);
        err.flush();
        draw();
    }

    /** Ends the redrawn line (terminal) and prints {@code summary} on its own line. */
    void finish(String summary) {
        if (terminal && lastWidth > 0) {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
        }
        err.println(summary);
        err.flush();
    }

    static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
