package dev.tripline.job;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in flags and in the configuration file: one parser, one error message. */
public final class Durations {
    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
    /** Far beyond any sane window or lateness, and far from overflowing event-time arithmetic. */
    public static final Duration MAX = Duration.ofDays(3650);

    private Durations() {}

    /**
     * {@code 500ms}, {@code 90s}, {@code 15m}, {@code 1h}, {@code 2d}, or ISO-8601 ({@code PT15M}).
     *
     * @throws IllegalArgumentException naming the text when it is not a duration or is out of range
     */
    public static Duration parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Duration d;
        Matcher m = SIMPLE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        } else {
            try {
                d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not a duration: '" + text + "' (try 90s, 15m, 1h)");
            }
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative duration: '" + text + "'");
        }
        if (d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("duration above " + MAX.toDays() + " days: '" + text + "'");
        }
        return d;
    }
}
