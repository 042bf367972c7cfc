package dev.tripline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * deploy/local/flink-local driven from a test: a JobManager and a TaskManager JVM on free loopback ports, with
 * its own distribution directory (so that checkpoints and logs of one test class are its own), configuration lines
 * of the test over the template's, and the job jar the cluster deployments use. Stopped on {@link #close}.
 */
public final class LocalFlinkCluster implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path repo = Path.of("").toAbsolutePath();
    private final Path work;
    private final Map<String, String> env = new HashMap<>();
    private final int restPort;
    private final HttpClient http = HttpClient.newHttpClient();
    private boolean started;

    /**
     * Assembles the distribution once (into target/flink-local, shared by every cluster test) and starts a
     * cluster whose configuration has {@code conf}'s lines ("key: value") over the template's.
     *
     * @param work where this cluster's configuration, logs, checkpoints and command outputs go
     */
    public LocalFlinkCluster(Path work, List<String> conf) throws Exception {
        this.work = Files.createDirectories(work);
        restPort = freePort();
        env.put("FLINK_REST_PORT", String.valueOf(restPort));
        env.put("FLINK_RPC_PORT", String.valueOf(freePort()));
        script(Duration.ofMinutes(10), "assemble");
        // A distribution of its own: links to the assembled jars, its own conf/, log/, run/ and checkpoints/.
        Path shared = repo.resolve("target/flink-local");
        Path dist = Files.createDirectories(work.resolve("flink"));
        for (String d : List.of("lib", "plugins")) {
            if (!Files.exists(dist.resolve(d))) {
                Files.createSymbolicLink(dist.resolve(d), shared.resolve(d));
            }
        }
        env.put("TRIPLINE_FLINK_HOME", dist.toString());
        env.put("FLINK_LOCAL_CONF", String.join("\n", conf));
        script(Duration.ofMinutes(2), "start");
        started = true;
    }

    /** The distribution directory of this cluster (checkpoints/, log/, run/). */
    public Path home() {
        return Path.of(env.get("TRIPLINE_FLINK_HOME"));
    }

    /** The JobManager's REST endpoint, {@code http://127.0.0.1:PORT}. */
    public String rest() {
        return "http://127.0.0.1:" + restPort;
    }

    /** The job jar the build makes for clusters. */
    public static String jobJar() {
        return System.getProperty("tripline.job.jar", "target/tripline-job.jar");
    }

    /** {@code flink run -d -p P JAR ARGS...}: submits detached, returns the job id. */
    public String submit(int parallelism, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("flink", "run", "-d", "-p", String.valueOf(parallelism)));
        command.add(jobJar());
        command.addAll(List.of(args));
        String out = script(Duration.ofMinutes(2), command.toArray(String[]::new));
        Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(out);
        assertThat(m.find()).as("job id in: " + out).isTrue();
        return m.group(1);
    }

    /** Flink's CLI with {@code args} ({@code run JAR ...} attached, {@code list} ...); output and exit status. */
    public Result flink(Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("flink"));
        command.addAll(List.of(args));
        return exec(timeout, command.toArray(String[]::new));
    }

    /** Triggers a checkpoint of {@code jobId} and waits until it completes; returns its id. */
    public long checkpoint(String jobId) throws Exception {
        String out = script(Duration.ofMinutes(2), "flink", "checkpoint", jobId);
        Matcher m = Pattern.compile("Checkpoint\\S* (\\d+) for job " + jobId + " completed")
                .matcher(out);
        assertThat(m.find()).as("checkpoint id in: " + out).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** {@code flink stop --drain}: end-of-input for every operator (all event-time timers fire), then a savepoint. */
    public void stopAndDrain(String jobId) throws Exception {
        Path target = Files.createDirectories(work.resolve("savepoints"));
        String out = script(
                Duration.ofMinutes(3),
                "flink",
                "stop",
                "--drain",
                "--savepointPath",
                target.toUri().toString(),
                jobId);
        assertThat(out).as(out).contains("Savepoint completed");
    }

    /** SIGKILLs the TaskManager process. */
    public void killTaskManager() throws Exception {
        script(Duration.ofSeconds(30), "kill-taskmanager");
    }

    /** Starts a TaskManager and waits until it has registered with the JobManager. */
    public void startTaskManager() throws Exception {
        script(Duration.ofMinutes(2), "taskmanager");
    }

    /** GET {@code path} of the REST API as JSON. */
    public JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create(rest() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET " + path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Waits until {@code jobId}'s status (RUNNING, FINISHED, ...) is {@code status}. */
    public void awaitStatus(String jobId, String status, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String now = "";
        while (System.nanoTime() < deadline) {
            now = get("/jobs/" + jobId).path("state").asText();
            if (now.equals(status)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("job " + jobId + " is " + now + ", not " + status + ", after " + timeout);
    }

    /** Waits until every task of {@code jobId} is RUNNING (a job can be RUNNING while its tasks are scheduled). */
    public void awaitTasksRunning(String jobId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode job = null;
        while (System.nanoTime() < deadline) {
            job = get("/jobs/" + jobId);
            String state = job.path("state").asText();
            if (state.equals("FAILED") || state.equals("CANCELED") || state.equals("FINISHED")) {
                JsonNode root = get("/jobs/" + jobId + "/exceptions").path("root-exception");
                throw new AssertionError("job " + jobId + " is " + state + ": " + root.asText());
            }
            boolean all = state.equals("RUNNING");
            for (JsonNode v : job.path("vertices")) {
                all &= v.path("status").asText().equals("RUNNING");
            }
            if (all) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("tasks of " + jobId + " not all running after " + timeout + ": " + job);
    }

    /** The output and exit status of a command. */
    public record Result(int code, String out) {}

    /** Runs deploy/local/flink-local with this cluster's environment; returns its output, failing on a non-zero exit. */
    public String script(Duration timeout, String... args) throws Exception {
        Result r = exec(timeout, args);
        assertThat(r.code())
                .as("flink-local " + String.join(" ", args) + ":\n" + r.out())
                .isZero();
        return r.out();
    }

    private Result exec(Duration timeout, String... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of("bash", repo.resolve("deploy/local/flink-local").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Path log = Files.createTempFile(work, "flink-local", ".out");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("flink-local " + String.join(" ", args) + " timed out: "
                    + Files.readString(log, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws Exception {
        if (started) {
            script(Duration.ofMinutes(1), "stop");
            started = false;
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
