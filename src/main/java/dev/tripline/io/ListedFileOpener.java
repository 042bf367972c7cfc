package dev.tripline.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.TemporaryClassLoaderContext;
import org.apache.flink.util.WrappingProxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a file whose size the archive walk already listed ({@link InputFile}) with one request where the file
 * system allows it. Hadoop's S3A (Flink's {@code flink-s3-fs-hadoop}) sends a HEAD before every GET to learn the
 * object's length; given the listed status through Hadoop's {@code openFile(path).withFileStatus(status)}, it
 * sends the GET alone. A CloudTrail archive is tens of thousands of small objects, so that halves the requests
 * that read them and the round trips each object waits for.
 *
 * <p>Flink loads the S3 file system in a plugin class loader, so its Hadoop classes are reached by reflection, from
 * the plugin's own loader; Hadoop 3.3.4 (Flink 1.20's) takes the status only as an {@code S3AFileStatus}. Any other
 * file system (local disk, Presto's S3, HDFS: no {@code S3AFileStatus} there, or not S3A), or a Hadoop whose classes
 * differ, opens the usual way. S3 objects are never appended to; one replaced after the walk listed it is read to
 * its listed length (CloudTrail never rewrites a log file), and a file cut so fails to parse and is a dead letter,
 * as an unreadable one is. A call that fails through reflection opens the file the usual way, with a warning.
 *
 * <p>State: the reflective handles per Flink file system class, resolved on first use and kept as long as that
 * class is loaded.
 */
final class ListedFileOpener {
    private static final Logger LOG = LoggerFactory.getLogger(ListedFileOpener.class);
    private static final String S3A = "org.apache.hadoop.fs.s3a.S3AFileSystem";
    /** S3A's default block size; only reported by the status, never used to read. */
    private static final long BLOCK_SIZE = 32L << 20;

    /** Handles for the S3A file systems of one plugin class loader; {@link #NONE} when they cannot be had. */
    private record Handles(
            Method hadoopFileSystem,
            Constructor<?> path,
            Constructor<?> status,
            Method openFile,
            Method withFileStatus,
            Method build) {}

    private static final Handles NONE = new Handles(null, null, null, null, null, null);
    private static final ClassValue<Handles> HANDLES = new ClassValue<>() {
        @Override
        protected Handles computeValue(Class<?> flinkFileSystem) {
            return handles(flinkFileSystem);
        }
    };

    private ListedFileOpener() {}

    /** A stream of the file at {@code path}, which the walk listed at {@code size} bytes. */
    static InputStream open(Path path, long size) throws IOException {
        FileSystem fs = path.getFileSystem();
        FileSystem inner = fs;
        while (inner instanceof WrappingProxy<?> proxy && proxy.getWrappedDelegate() instanceof FileSystem next) {
            inner = next;
        }
        Handles h = HANDLES.get(inner.getClass());
        if (h == NONE) {
            return fs.open(path);
        }
        ClassLoader plugin = inner.getClass().getClassLoader();
        // As Flink's plugin wrapper does for every call into the plugin.
        try (TemporaryClassLoaderContext ignored = TemporaryClassLoaderContext.of(plugin)) {
            Object hadoop = h.hadoopFileSystem().invoke(inner);
            if (!hadoop.getClass().getName().equals(S3A)) {
                return fs.open(path);
            }
            Object hadoopPath = h.path().newInstance(path.toUri()); // as Flink's own Hadoop wrapper converts paths
            Object status = h.status().newInstance(size, 0L, hadoopPath, BLOCK_SIZE, null, null, null);
            Object builder = h.withFileStatus().invoke(h.openFile().invoke(hadoop, hadoopPath), status);
            InputStream in = (InputStream) ((CompletableFuture<?>) h.build().invoke(builder)).get();
            return new UnderLoader(in, plugin);
        } catch (InvocationTargetException e) {
            throw rethrown(e.getCause());
        } catch (ExecutionException e) {
            throw rethrown(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted opening " + path, e);
        } catch (ReflectiveOperationException | ClassCastException e) {
            LOG.warn("opening {} through Hadoop's openFile failed, opening it the usual way: {}", path, e.toString());
            return fs.open(path);
        }
    }

    /** Reads a plugin's stream with the plugin's class loader as the context one, as Flink's wrapper does. */
    private static final class UnderLoader extends FilterInputStream {
        private final ClassLoader loader;

        UnderLoader(InputStream in, ClassLoader loader) {
            super(in);
            this.loader = loader;
        }

        @Override
        public int read() throws IOException {
            try (TemporaryClassLoaderContext ignored = TemporaryClassLoaderContext.of(loader)) {
                return super.read();
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try (TemporaryClassLoaderContext ignored = TemporaryClassLoaderContext.of(loader)) {
                return super.read(b, off, len);
            }
        }

        @Override
        public void close() throws IOException {
            try (TemporaryClassLoaderContext ignored = TemporaryClassLoaderContext.of(loader)) {
                super.close();
            }
        }
    }

    private static IOException rethrown(Throwable cause) {
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IOException(cause);
    }

    /** The handles for Flink file systems of class {@code fs} that wrap a Hadoop one, or {@link #NONE}. */
    private static Handles handles(Class<?> fs) {
        Method hadoopFileSystem;
        try {
            hadoopFileSystem = fs.getMethod("getHadoopFileSystem");
        } catch (NoSuchMethodException e) {
            return NONE; // not Hadoop-backed: local disk
        }
        ClassLoader loader = fs.getClassLoader();
        try {
            Class<?> hadoopPath = Class.forName("org.apache.hadoop.fs.Path", false, loader);
            Class<?> fileStatus = Class.forName("org.apache.hadoop.fs.FileStatus", false, loader);
            Class<?> s3aStatus = Class.forName("org.apache.hadoop.fs.s3a.S3AFileStatus", false, loader);
            Class<?> builder = Class.forName("org.apache.hadoop.fs.FutureDataInputStreamBuilder", false, loader);
            Class<?> fsBuilder = Class.forName("org.apache.hadoop.fs.FSBuilder", false, loader);
            Class<?> hadoopFs = Class.forName("org.apache.hadoop.fs.FileSystem", false, loader);
            return new Handles(
                    hadoopFileSystem,
                    hadoopPath.getConstructor(URI.class),
                    s3aStatus.getConstructor(
                            long.class, long.class, hadoopPath, long.class, String.class, String.class, String.class),
                    hadoopFs.getMethod("openFile", hadoopPath),
                    builder.getMethod("withFileStatus", fileStatus),
                    fsBuilder.getMethod("build"));
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.info("{} opens each file with a status request first: {}", fs.getName(), e.toString());
            return NONE;
        }
    }
}
