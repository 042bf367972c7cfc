package dev.tripline.io;

import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.core.fs.Path;

/**
 * A file to read and its size, as the listing that found it ({@link ArchiveFiles#list}) saw them. The file source
 * groups files by these sizes ({@link FileGroupSource}), so it asks the file system nothing before the first split:
 * in an object store that would be a second listing of every folder, or a request per object.
 */
public record InputFile(Path path, long size) implements Serializable {
    public InputFile {
        Objects.requireNonNull(path, "path");
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " of " + path);
        }
    }

    /** True for a path on the local file system: no scheme, or {@code file:}. */
    static boolean isLocal(Path path) {
        String scheme = path.toUri().getScheme();
        return scheme == null || "file".equals(scheme);
    }
}
