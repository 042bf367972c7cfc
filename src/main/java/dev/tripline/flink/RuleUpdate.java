package dev.tripline.flink;

import dev.tripline.program.RuleProgram;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A whole rule set sent to a running job (live rule update): a version label and the rule files as texts (name,
 * as in error locations, to YAML text), plus problems the sender already found (a file it could not read, a
 * message that is not JSON), which reject the update like load errors do. A Flink POJO; the files travel as one
 * length-prefixed block ({@link #encode}) so that no generic serializer is involved, and the same block is what
 * the broadcast state keeps.
 */
public class RuleUpdate {
    /** More files than any rule repository has; guards the decoder against a corrupt or hostile block. */
    public static final int MAX_FILES = 20_000;
    /** The longest version label kept; longer ones are rejected. */
    public static final int MAX_VERSION_CHARS = 200;

    public String version;
    /** The files, {@link #encode}d. */
    public byte[] files;
    /** Problems found before validation; null or empty when none. */
    public String[] problems;

    public RuleUpdate() {}

    public static RuleUpdate of(String version, Map<String, String> files) {
        return of(version, files, List.of());
    }

    public static RuleUpdate of(String version, Map<String, String> files, List<String> problems) {
        RuleUpdate u = new RuleUpdate();
        u.version = version;
        u.files = encode(files);
        u.problems = problems.isEmpty() ? null : problems.toArray(String[]::new);
        return u;
    }

    /** The files by name, in name order. */
    public SortedMap<String, String> files() {
        return decode(files);
    }

    public List<String> problems() {
        return problems == null ? List.of() : List.of(problems);
    }

    /** {@link RuleProgram#digestOf} of the files; IllegalArgumentException when the block is corrupt. */
    public String digest() {
        return RuleProgram.digestOf(files());
    }

    /** Name-ordered, each name and text a length-prefixed UTF-8 string. */
    public static byte[] encode(Map<String, String> files) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            SortedMap<String, String> sorted = new TreeMap<>(files);
            out.writeInt(sorted.size());
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The files of a block; IllegalArgumentException when the block is corrupt. */
    public static SortedMap<String, String> decode(byte[] block) {
        if (block == null) {
            return new TreeMap<>();
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(block))) {
            int n = in.readInt();
            if (n < 0 || n > MAX_FILES) {
                throw new IllegalArgumentException("rule update holds " + n + " files (at most " + MAX_FILES + ")");
            }
            SortedMap<String, String> files = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                files.put(readString(in, block.length), readString(in, block.length));
            }
            return files;
        } catch (IOException e) {
            throw new IllegalArgumentException("corrupt rule update block: " + e.getMessage(), e);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in, int limit) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > limit) {
            throw new IOException("string length " + n + " out of range");
        }
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("truncated");
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RuleUpdate{" + version + ", " + (files == null ? 0 : files.length) + " bytes}";
    }
}
