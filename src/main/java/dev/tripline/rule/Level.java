package dev.tripline.rule;

import java.util.Locale;
import java.util.Optional;

/** Alert severity, Sigma's five levels; Panther's Info maps to INFORMATIONAL. */
public enum Level {
    INFORMATIONAL,
    LOW,
    MEDIUM,
    HIGH,
    CRITICAL;

    /** Accepts Sigma ({@code informational}) and Panther ({@code Info}) spellings, any case. */
    public static Optional<Level> parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (t.equals("INFO")) {
            return Optional.of(INFORMATIONAL);
        }
        for (Level l : values()) {
            if (l.name().equals(t)) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
