package dev.tripline.io;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/**
 * A real Kinesis API endpoint for tests: npm's kinesis-local (etspaceman/kinesis-mock), installed by
 * {@code npm ci} from the committed package.json, started on a free loopback port and stopped on close.
 */
public final class KinesisLocal implements AutoCloseable {
    public static final String ACCESS_KEY = "000000000000";
    public static final String SECRET_KEY = "dummy";
    static final Path PACKAGE = Path.of("node_modules", "kinesis-local");

    private final Process process;
    private final int port;

    public KinesisLocal() throws IOException, InterruptedException {
        if (!Files.isRegularFile(PACKAGE.resolve("main.js"))) {
            throw new IllegalStateException("kinesis-local is not installed at " + PACKAGE.toAbsolutePath()
                    + ": run 'npm ci' in the repository root (.ci/run does)");
        }
        port = freePort();
        ProcessBuilder pb = new ProcessBuilder("node", "main.js")
                // kinesis-local reads server.json from its working directory.
                .directory(PACKAGE.toFile())
                .redirectErrorStream(true)
                .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "kinesis-local-" + port + ".log"));
        pb.environment().put("KINESIS_MOCK_PLAIN_PORT", Integer.toString(port));
        pb.environment().put("KINESIS_MOCK_TLS_PORT", Integer.toString(freePort()));
        pb.environment().put("CREATE_STREAM_DURATION", "0ms");
        pb.environment().put("DELETE_STREAM_DURATION", "0ms");
        pb.environment().put("LOG_LEVEL", "WARN");
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!accepts(port)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("kinesis-local exited with " + process.exitValue());
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("kinesis-local did not listen on port " + port + " within 20 s");
            }
            Thread.sleep(100);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public KinesisClient client() {
        return KinesisClient.builder()
                .endpointOverride(URI.create(endpoint()))
                .region(Region.US_EAST_1)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
        }
    }
}
