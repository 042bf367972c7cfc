package dev.tripline.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The TCP sockets this process listens on, read from Linux's {@code /proc}: the socket inodes among
 * {@code /proc/self/fd}, looked up in {@code /proc/net/tcp} and {@code tcp6}. Each is given as
 * {@code address:port}, the address in hex as the kernel writes it ({@code 0100007F} is 127.0.0.1).
 */
public final class ListeningSockets {
    private static final String LISTEN = "0A";

    private ListeningSockets() {}

    /** {@code address:port} of every listening TCP socket of this process, IPv4 and IPv6. */
    public static Set<String> ofThisProcess() throws IOException {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // The descriptor went away while listing; it is not listening any more.
                }
            }
        }
        Set<String> listening = new TreeSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                if (f[3].equals(LISTEN) && inodes.contains(f[9])) {
                    String[] local = f[1].split(":");
                    listening.add(local[0] + ":" + Integer.parseInt(local[1], 16));
                }
            }
        }
        return listening;
    }

    /** True for 127.0.0.0/8 and ::1 (and IPv4-mapped loopback) as {@code /proc/net} writes them. */
    public static boolean isLoopback(String addressAndPort) {
        String hex = addressAndPort.substring(0, addressAndPort.indexOf(':'));
        if (hex.length() == 8) {
            return hex.endsWith("7F"); // little-endian: the first octet is the last byte
        }
        return hex.equals("00000000000000000000000001000000")
                || (hex.startsWith("0000000000000000FFFF0000") && hex.endsWith("7F"));
    }
}
