package dev.tripline.testing;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.options.ListContainerOptions;

/**
 * A real S3 API endpoint on 127.0.0.1 in the test JVM: s3proxy (the S3 protocol, signatures V2 and V4) over an
 * in-memory jclouds store. Every store call the server makes is recorded in {@link #requests()}, as
 * {@code "list PREFIX"} or {@code "get KEY"}, so that a test can assert what a client listed and read.
 */
public final class S3TestServer implements AutoCloseable {
    public static final String ACCESS_KEY = "tripline-test";
    public static final String SECRET_KEY = "tripline-test-secret";

    private final BlobStoreContext context;
    private final BlobStore store;
    private final S3Proxy proxy;
    private final List<String> requests = new ArrayList<>();
    /** Added to every list, get and head call ({@link #latency}); 0 on loopback as it is. */
    private volatile long latencyMillis;

    public S3TestServer() throws Exception {
        context = ContextBuilder.newBuilder("transient")
                .credentials("identity", "credential")
                .overrides(new Properties())
                .build(BlobStoreContext.class);
        store = context.getBlobStore();
        BlobStore recorded = (BlobStore)
                Proxy.newProxyInstance(BlobStore.class.getClassLoader(), new Class<?>[] {BlobStore.class}, recorder());
        proxy = S3Proxy.builder()
                .blobStore(recorded)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!AbstractLifeCycle.STARTED.equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("s3proxy did not start: " + proxy.getState());
            }
            Thread.sleep(20);
        }
    }

    private InvocationHandler recorder() {
        return (self, method, args) -> {
            String name = method.getName();
            String request = null;
            if (name.equals("list") && args != null && args.length == 2 && args[1] instanceof ListContainerOptions o) {
                request = "list " + (o.getPrefix() == null ? "" : o.getPrefix());
            } else if (name.equals("getBlob") && args != null && args.length >= 2) {
                request = "get " + args[1];
            } else if (name.equals("blobMetadata") && args != null && args.length == 2) {
                request = "head " + args[1];
            }
            if (request != null) {
                record(request);
                if (latencyMillis > 0) {
                    Thread.sleep(latencyMillis);
                }
            }
            try {
                return method.invoke(store, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
    }

    private synchronized void record(String request) {
        requests.add(request);
    }

    /**
     * Makes every list, get and head call take {@code millis} longer, as a request to S3 over a network does (its
     * small requests' median latencies are in the tens of milliseconds); calls in flight at once wait side by side.
     */
    public void latency(long millis) {
        latencyMillis = millis;
    }

    /** The endpoint, {@code http://127.0.0.1:PORT}. */
    public String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** Copies every file under {@code dir} into {@code bucket}, keyed {@code prefix} + its path under dir. */
    public void upload(String bucket, Path dir, String prefix) throws Exception {
        store.createContainerInLocation(null, bucket);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                String key = prefix + dir.relativize(f).toString().replace('\\', '/');
                store.putBlob(
                        bucket,
                        store.blobBuilder(key).payload(Files.readAllBytes(f)).build());
            }
        }
    }

    /** Puts one object. */
    public void put(String bucket, String key, byte[] content) {
        store.createContainerInLocation(null, bucket);
        store.putBlob(bucket, store.blobBuilder(key).payload(content).build());
    }

    /** The store calls made since the last {@link #clearRequests}, in order. */
    public synchronized List<String> requests() {
        return List.copyOf(requests);
    }

    public synchronized void clearRequests() {
        requests.clear();
    }

    /** A Tripline configuration that reaches this server, for {@code --config}. */
    public String config() {
        return """
                input:
                  s3:
                    endpoint: %s
                    path-style-access: true
                    properties:
                      s3.access-key: %s
                      s3.secret-key: %s
                """.formatted(endpoint(), ACCESS_KEY, SECRET_KEY);
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        context.close();
    }
}
