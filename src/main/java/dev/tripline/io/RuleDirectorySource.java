package dev.tripline.io;

import dev.tripline.flink.RuleUpdate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.streaming.api.functions.source.SourceFunction;

/**
 * Watches the rule paths of an embedded run ({@code tripline run --watch-rules}): polls them every interval and,
 * when the files differ from the set last sent (at first: the files the job started with), sends the whole new
 * set as one {@link RuleUpdate} labelled {@code dir:<digest>}. A change is sent once the files have looked the
 * same for two polls in a row, so an editor's half-written save is not sent as a set of its own. It runs until
 * the job is cancelled or, beside a stream input (stdin), until that stream ends, so that the run ends with its
 * input. Parallelism 1.
 */
public class RuleDirectorySource implements SourceFunction<RuleUpdate> {
    private static final long serialVersionUID = 1L;
    public static final String UID = "tripline-rule-directory-source";

    private final List<String> paths;
    private final long maxFileBytes;
    private final long intervalMillis;
    private final String startDigest;
    /** The {@link InputStreamSource} stream this watcher ends with (stdin), or null to run until cancelled. */
    private final String endWithStream;

    private volatile boolean running = true;

    public RuleDirectorySource(
            List<Path> paths, long maxFileBytes, Duration interval, String startDigest, String endWithStream) {
        this.paths = paths.stream().map(Path::toString).toList();
        this.maxFileBytes = maxFileBytes;
        this.intervalMillis = Math.max(10, interval.toMillis());
        this.startDigest = startDigest;
        this.endWithStream = endWithStream;
    }

    /** The version label of a watched set. */
    public static String version(RuleUpdate u) {
        return "dir:" + u.digest().substring(0, 12);
    }

    @Override
    public void run(SourceContext<RuleUpdate> ctx) throws Exception {
        String sent = startDigest;
        String previous = startDigest;
        List<Path> roots = paths.stream().map(Path::of).toList();
        while (running && (endWithStream == null || !InputStreamSource.ended(endWithStream))) {
            RuleUpdate now = RuleDirectory.read(roots, maxFileBytes, "");
            String digest =
                    now.problems().isEmpty() ? now.digest() : now.digest() + "/" + String.join("|", now.problems());
            if (!digest.equals(sent) && digest.equals(previous)) {
                now.version = version(now);
                synchronized (ctx.getCheckpointLock()) {
                    ctx.collect(now);
                }
                sent = digest;
            }
            previous = digest;
            Thread.sleep(intervalMillis);
        }
    }

    @Override
    public void cancel() {
        running = false;
    }
}
