package dev.tripline.cli;

import dev.tripline.job.EmbeddedRun;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The hunt's progress on stderr: redrawn in place with {@code \r} about once a second on a terminal, one line
 * every ten seconds otherwise (a log file or CI output should not get a line per second).
 */
final class ProgressLine implements EmbeddedRun.ProgressListener {

    enum Mode {
        /** Choose by whether stderr is a terminal. */
        AUTO,
        /** Redraw one line in place. */
        TERMINAL,
        /** Append a line each time. */
        LINES,
        /** Print nothing. */
        NONE
    }

    static final Duration TERMINAL_EVERY = Duration.ofSeconds(1);
    static final Duration LINES_EVERY = Duration.ofSeconds(10);

    private final PrintWriter err;
    private final Mode mode;
    private final String prefix;
    private int drawn;

    ProgressLine(PrintWriter err, Mode mode, String prefix) {
        this.err = err;
        this.mode = mode == Mode.AUTO ? (stderrIsTerminal() ? Mode.TERMINAL : Mode.LINES) : mode;
        this.prefix = prefix;
    }

    Mode mode() {
        return mode;
    }

    /** How often to ask the job: the mode's interval unless {@code override} is given. */
    long intervalMillis(Duration override) {
        if (mode == Mode.NONE) {
            return 0;
        }
        if (override != null) {
            return Math.max(1, override.toMillis());
        }
        return (mode == Mode.TERMINAL ? TERMINAL_EVERY : LINES_EVERY).toMillis();
    }

    @Override
    public synchronized void progress(EmbeddedRun.Progress p) {
        String line = format(prefix, p);
        if (mode == Mode.TERMINAL) {
            // Pad over the previous, possibly longer, line instead of relying on terminal escape codes.
            err.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
            drawn = line.length();
        } else if (mode == Mode.LINES) {
            err.println(line);
        }
        err.flush();
    }

    /** Clears a line drawn in place, so the summary starts on a clean line. */
    synchronized void finish() {
        if (mode == Mode.TERMINAL && drawn > 0) {
            err.print("\r" + " ".repeat(drawn) + "\r");
            err.flush();
            drawn = 0;
        }
    }

    static String format(String prefix, EmbeddedRun.Progress p) {
        double seconds = Math.max(0.001, p.elapsedMillis() / 1000.0);
        long rate = Math.round(p.events() / seconds);
        String eta;
        if (p.filesDone() <= 0 || p.filesTotal() <= 0) {
            eta = "ETA --";
        } else if (p.filesDone() >= p.filesTotal()) {
            eta = "ETA 0:00";
        } else {
            // Files are the only unit known up front; their sizes vary, so this is a rate, not a promise.
            long remaining = Math.round(p.elapsedMillis() / 1000.0 * (p.filesTotal() - p.filesDone()) / p.filesDone());
            eta = "ETA " + clock(remaining);
        }
        return String.format(
                Locale.ROOT,
                "%s files %d/%d, %,d events, %,d events/s, %s",
                prefix,
                p.filesDone(),
                p.filesTotal(),
                p.events(),
                rate,
                eta);
    }

    static String clock(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s)
                : String.format(Locale.ROOT, "%d:%02d", m, s);
    }

    /**
     * Java 17 cannot ask whether stderr is a terminal ({@code System.console()} answers for stdin and stdout),
     * so on Linux look at what fd 2 points to; elsewhere fall back to the console.
     */
    static boolean stderrIsTerminal() {
        Path fd2 = Path.of("/proc/self/fd/2");
        try {
            if (Files.isSymbolicLink(fd2)) {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (Exception e) {
            // not Linux, or not allowed to look: fall through
        }
        return System.console() != null;
    }
}
