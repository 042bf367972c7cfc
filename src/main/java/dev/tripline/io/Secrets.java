package dev.tripline.io;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The secret values this process holds (client properties read from {@code {env: …}} or {@code {file: …}}, and
 * inline values of keys named like secrets; see {@link ClientProperties#isSecret}), so that no message shows
 * one: a client library that quotes a value back ("Invalid value … for configuration security.protocol") is
 * masked here, whichever property the secret was put in by mistake. Keeps every value registered until the
 * process ends; values shorter than {@value #MIN_LENGTH} characters are not registered (masking every "1" or
 * "on" would garble messages, and a secret that short is no secret).
 */
public final class Secrets {
    static final int MIN_LENGTH = 4;
    public static final String MASK = "***";

    private static final Set<String> VALUES = ConcurrentHashMap.newKeySet();

    private Secrets() {}

    static void register(String value) {
        if (value != null && value.length() >= MIN_LENGTH) {
            VALUES.add(value);
        }
    }

    /** {@code text} with every registered secret replaced by {@value #MASK}, longest first. */
    public static String mask(String text) {
        if (text == null || VALUES.isEmpty()) {
            return text;
        }
        List<String> longestFirst = VALUES.stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .toList();
        String out = text;
        for (String v : longestFirst) {
            out = out.replace(v, MASK);
        }
        return out;
    }

    /**
     * A stream that writes to {@code target} line by line, masked: the process's stderr, where log lines and
     * error messages of client libraries end up.
     */
    public static PrintStream masking(PrintStream target) {
        return new PrintStream(new LineMasking(target), false, StandardCharsets.UTF_8);
    }

    /**
     * Holds one line, then writes it masked. A flush does not write a partial line: a secret split across two
     * writes would be shown in halves; what is left at close is written masked.
     */
    private static final class LineMasking extends OutputStream {
        private final PrintStream target;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineMasking(PrintStream target) {
            this.target = target;
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') {
                emit();
            }
        }

        @Override
        public synchronized void flush() {
            target.flush();
        }

        @Override
        public synchronized void close() {
            emit();
            target.flush();
        }

        private void emit() {
            if (line.size() > 0) {
                target.print(mask(line.toString(StandardCharsets.UTF_8)));
                line.reset();
            }
        }
    }
}
