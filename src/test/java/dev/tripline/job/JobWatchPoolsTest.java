package dev.tripline.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.management.MemoryPoolMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The heap watch of an embedded run looks at the old generation only, whatever the collector: on the Parallel and
 * Serial collectors the survivor space has a fixed maximum and is nearly full after most collections, and
 * watching it stopped every run ("the heap is full: 77 MB of 2731 MB"). Each collector runs in a JVM of its own.
 */
class JobWatchPoolsTest {

    @ParameterizedTest
    @CsvSource({"-XX:+UseG1GC, G1 Old Gen", "-XX:+UseParallelGC, PS Old Gen", "-XX:+UseSerialGC, Tenured Gen"})
    void watchesTheOldGenerationOnly(String collector, String oldGeneration) throws Exception {
        assertEquals(oldGeneration, poolsIn(collector));
    }

    private static String poolsIn(String collector) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(
                        java.toString(),
                        collector,
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        PrintPools.class.getName())
                // Only the child's answer on stdout: a JVM may print notices (JAVA_TOOL_OPTIONS) on stderr.
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not end");
        }
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    /** Prints the names of the pools the watch would look at, comma-separated. */
    public static final class PrintPools {
        public static void main(String[] args) {
            List<MemoryPoolMXBean> pools = JobWatch.oldGenerationPools();
            System.out.print(String.join(
                    ",", pools.stream().map(MemoryPoolMXBean::getName).toList()));
        }
    }
}
