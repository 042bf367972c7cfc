package dev.tripline.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What {@code tripline run -} does on SIGINT (Ctrl-C) or SIGTERM: the JVM runs this shutdown hook, which ends
 * stdin the way its end of file would (what was read is still processed), lets the job finish, and waits until
 * the command has written every output and printed its summary. The JVM then exits with
 * 128 + the signal: 130 for SIGINT, 143 for SIGTERM.
 *
 * <p>Stdin is read through a pipe filled by a daemon thread, because a read blocked on the real stdin cannot be
 * ended from another thread; ending the pipe's write side makes the job's reader see end of input at once.
 * Keeps the pipe and the latch the command counts down when it is done; both live as long as the command.
 */
final class Interruption implements AutoCloseable {
    /** How long the hook waits for the job to finish and the summary to be printed. */
    static final long FINISH_SECONDS = 60;

    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread hook;
    private volatile PipedOutputStream stdinPipe;

    private Interruption() {
        hook = new Thread(this::onSignal, "tripline-interrupt");
    }

    /** Installs the hook; {@link #close} (after the summary) removes it. */
    static Interruption install() {
        Interruption i = new Interruption();
        Runtime.getRuntime().addShutdownHook(i.hook);
        return i;
    }

    /** {@code stdin} as a stream the hook can end; read by a daemon thread. */
    InputStream endable(InputStream stdin) {
        PipedOutputStream out = new PipedOutputStream();
        PipedInputStream in;
        try {
            in = new PipedInputStream(out, 1 << 20);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        stdinPipe = out;
        Thread pump = new Thread(
                () -> {
                    byte[] buf = new byte[1 << 16];
                    try (out) {
                        int n;
                        while ((n = stdin.read(buf)) >= 0) {
                            out.write(buf, 0, n);
                        }
                    } catch (IOException endedOrClosed) {
                        // The hook closed the pipe, or stdin failed: either way the input ends here.
                    }
                },
                "tripline-stdin");
        pump.setDaemon(true);
        pump.start();
        return in;
    }

    private void onSignal() {
        PipedOutputStream pipe = stdinPipe;
        if (pipe == null) {
            return; // input that is not stdin has no end to bring forward: the JVM exits as it did
        }
        try {
            pipe.close();
        } catch (IOException ignored) {
            // Already closed: the input had ended anyway.
        }
        try {
            done.await(FINISH_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The command is done (outputs flushed, summary printed): the hook may let the JVM exit. */
    @Override
    public void close() {
        done.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running and waits for the countdown above.
        }
    }
}
