package dev.tripline.rule;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.re2j.Pattern;
import dev.tripline.event.CaseFoldMap;
import dev.tripline.event.Event;
import java.io.Serializable;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A predicate on one leaf value of an event, the common target that Sigma modifiers and Panther conditions
 * compile to. Each predicate is immutable and does its expensive preparation (regex compile, CIDR parse,
 * lower-casing) once, in its constructor. {@link #test} receives a leaf after array fan-out, never a missing
 * value; JSON null fails every predicate here (null and emptiness are Expr-level questions).
 *
 * <p>Scalars are compared through their string form ({@link Event#stringForm}), so the JSON boolean
 * {@code true} equals the rule value {@code 'true'} and {@code 42} equals {@code '42'}, as Sigma requires.
 */
public sealed interface ValuePredicate extends Serializable {

    boolean test(JsonNode value);

    /** A short human description, used by {@code rules explain}. */
    String describe();

    /** Which part of the string a {@link Text} test compares. */
    enum Mode {
        EQUALS,
        PREFIX,
        SUFFIX,
        CONTAINS
    }

    /** Plain string comparison: equality, prefix, suffix or substring; case-insensitive unless {@code caseSensitive}. */
    record Text(Mode mode, String value, boolean caseSensitive) implements ValuePredicate {
        public Text {
            // Lower-case the needle once so that a case-insensitive test lower-cases only the event side.
            value = caseSensitive ? value : value.toLowerCase(Locale.ROOT);
        }

        @Override
        public boolean test(JsonNode node) {
            String s = Event.stringForm(node);
            return s != null && matches(s);
        }

        public boolean matches(String s) {
            if (caseSensitive) {
                return switch (mode) {
                    case EQUALS -> s.equals(value);
                    case PREFIX -> s.startsWith(value);
                    case SUFFIX -> s.endsWith(value);
                    case CONTAINS -> s.contains(value);
                };
            }
            return switch (mode) {
                case EQUALS -> s.equalsIgnoreCase(value);
                case PREFIX -> s.regionMatches(true, 0, value, 0, value.length());
                case SUFFIX ->
                    s.length() >= value.length()
                            && s.regionMatches(true, s.length() - value.length(), value, 0, value.length());
                case CONTAINS -> containsIgnoreCase(s, value);
            };
        }

        /** Substring search ignoring case without lower-casing (and so copying) the event value. */
        private static boolean containsIgnoreCase(String s, String lowerNeedle) {
            int n = lowerNeedle.length();
            if (n == 0) {
                return true;
            }
            char first = lowerNeedle.charAt(0);
            for (int i = 0, last = s.length() - n; i <= last; i++) {
                char c = s.charAt(i);
                if ((c == first || Character.toLowerCase(c) == first) && s.regionMatches(true, i, lowerNeedle, 0, n)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String describe() {
            return mode.name().toLowerCase(Locale.ROOT) + (caseSensitive ? " (cased) " : " ") + "'" + value + "'";
        }
    }

    /** Equality with any of a set of strings, by one hash lookup (case-insensitive: folded, no allocation). */
    final class OneOf implements ValuePredicate {
        private static final long serialVersionUID = 1L;

        private final Set<String> values;
        private final boolean caseSensitive;
        private final CaseFoldMap<Boolean> folded;

        public OneOf(Set<String> values, boolean caseSensitive) {
            this.caseSensitive = caseSensitive;
            this.values = caseSensitive
                    ? Set.copyOf(values)
                    : Set.copyOf(
                            values.stream().map(v -> v.toLowerCase(Locale.ROOT)).toList());
            java.util.Map<String, Boolean> keys = new java.util.HashMap<>();
            values.forEach(v -> keys.put(v, Boolean.TRUE));
            this.folded = caseSensitive ? null : new CaseFoldMap<>(keys);
        }

        /** The values; lower-cased when the test is case-insensitive. */
        public Set<String> values() {
            return values;
        }

        public boolean caseSensitive() {
            return caseSensitive;
        }

        @Override
        public boolean test(JsonNode node) {
            String s = Event.stringForm(node);
            return s != null && (caseSensitive ? values.contains(s) : folded.get(s) != null);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof OneOf x && x.caseSensitive == caseSensitive && x.values.equals(values);
        }

        @Override
        public int hashCode() {
            return values.hashCode() * 31 + (caseSensitive ? 1 : 0);
        }

        @Override
        public String toString() {
            return "OneOf[" + values + (caseSensitive ? ", cased]" : "]");
        }

        @Override
        public String describe() {
            return "one of " + values;
        }
    }

    /**
     * A glob: literal runs, {@code *} (any run, possibly empty) and {@code ?} (exactly one character). The
     * format's escape rules are applied by the loader, which hands over already-split parts.
     */
    final class Glob implements ValuePredicate {
        private static final long serialVersionUID = 1L;

        // Wildcards are encoded as private-use characters so the matcher walks a single string; literal
        // private-use characters in rule values are vanishingly rare and would only widen a match.
        private static final char ANY_RUN = '\uE000';
        private static final char ANY_CHAR = '\uE001';

        private final List<GlobPart> parts;
        private final boolean caseSensitive;
        private final String pattern; // encoded once here, not per value

        public Glob(List<GlobPart> parts, boolean caseSensitive) {
            this.parts = List.copyOf(
                    caseSensitive
                            ? parts
                            : parts.stream().map(GlobPart::lowerCase).toList());
            this.caseSensitive = caseSensitive;
            StringBuilder b = new StringBuilder();
            for (GlobPart part : this.parts) {
                switch (part.kind()) {
                    case LITERAL -> b.append(part.literal());
                    case ANY_RUN -> b.append(ANY_RUN);
                    case ANY_CHAR -> b.append(ANY_CHAR);
                }
            }
            this.pattern = b.toString();
        }

        public List<GlobPart> parts() {
            return parts;
        }

        public boolean caseSensitive() {
            return caseSensitive;
        }

        @Override
        public boolean test(JsonNode node) {
            String s = Event.stringForm(node);
            return s != null && matches(caseSensitive ? s : s.toLowerCase(Locale.ROOT));
        }

        /**
         * Iterative glob matching with single-star backtracking: O(n*m) worst case, no recursion. {@code s}
         * must already be lower-cased when the glob is case-insensitive.
         */
        public boolean matches(String s) {
            int p = 0, i = 0, starP = -1, starI = 0;
            while (i < s.length()) {
                if (p < pattern.length() && (pattern.charAt(p) == ANY_CHAR || pattern.charAt(p) == s.charAt(i))) {
                    p++;
                    i++;
                } else if (p < pattern.length() && pattern.charAt(p) == ANY_RUN) {
                    starP = p++;
                    starI = i;
                } else if (starP >= 0) {
                    p = starP + 1;
                    i = ++starI;
                } else {
                    return false;
                }
            }
            while (p < pattern.length() && pattern.charAt(p) == ANY_RUN) {
                p++;
            }
            return p == pattern.length();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Glob g && g.caseSensitive == caseSensitive && g.parts.equals(parts);
        }

        @Override
        public int hashCode() {
            return parts.hashCode() * 31 + (caseSensitive ? 1 : 0);
        }

        @Override
        public String toString() {
            return "Glob[" + describe() + "]";
        }

        @Override
        public String describe() {
            StringBuilder b = new StringBuilder("matches '");
            for (GlobPart part : parts) {
                b.append(
                        switch (part.kind()) {
                            case LITERAL -> part.literal();
                            case ANY_RUN -> "*";
                            case ANY_CHAR -> "?";
                        });
            }
            return b.append("'").append(caseSensitive ? " (cased)" : "").toString();
        }
    }

    /** One piece of a {@link Glob}. */
    record GlobPart(Kind kind, String literal) implements Serializable {
        public enum Kind {
            LITERAL,
            ANY_RUN,
            ANY_CHAR
        }

        public static GlobPart literal(String text) {
            return new GlobPart(Kind.LITERAL, text);
        }

        public static final GlobPart ANY_RUN = new GlobPart(Kind.ANY_RUN, "");
        public static final GlobPart ANY_CHAR = new GlobPart(Kind.ANY_CHAR, "");

        GlobPart lowerCase() {
            return kind == Kind.LITERAL ? literal(literal.toLowerCase(Locale.ROOT)) : this;
        }
    }

    /**
     * A regular expression run on RE2/J, so matching is linear in the input whatever the pattern. It matches a
     * substring (find), as Sigma v2.2 specifies; anchor with ^…$ for the whole value.
     */
    record Regex(String pattern, boolean ignoreCase, boolean multiline, boolean dotAll, Pattern compiled)
            implements ValuePredicate {

        /** Compiles now; throws {@link com.google.re2j.PatternSyntaxException} for what RE2 does not accept. */
        public static Regex compile(String pattern, boolean ignoreCase, boolean multiline, boolean dotAll) {
            int flags = (ignoreCase ? Pattern.CASE_INSENSITIVE : 0)
                    | (multiline ? Pattern.MULTILINE : 0)
                    | (dotAll ? Pattern.DOTALL : 0);
            return new Regex(pattern, ignoreCase, multiline, dotAll, Pattern.compile(pattern, flags));
        }

        @Override
        public boolean test(JsonNode node) {
            String s = Event.stringForm(node);
            return s != null && compiled.matcher(s).find();
        }

        @Override
        public String describe() {
            return "regex /" + pattern + "/" + (ignoreCase ? "i" : "") + (multiline ? "m" : "") + (dotAll ? "s" : "");
        }
    }

    /** The value is an IP address inside a CIDR network (IPv4 or IPv6). */
    record Cidr(String network, byte[] address, int prefixLength) implements ValuePredicate {
        /** Parses {@code a.b.c.d/n} or {@code x::/n}; a bare address is a host network. */
        public static Cidr parse(String network) {
            int slash = network.indexOf('/');
            String host = slash < 0 ? network : network.substring(0, slash);
            byte[] address = IpAddresses.parse(host);
            if (address == null) {
                throw new IllegalArgumentException("not an IP network: '" + network + "'");
            }
            int bits = address.length * 8;
            int prefix;
            try {
                prefix = slash < 0 ? bits : Integer.parseInt(network.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in '" + network + "'");
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("prefix length out of range in '" + network + "'");
            }
            return new Cidr(network, address, prefix);
        }

        @Override
        public boolean test(JsonNode node) {
            String s = Event.stringForm(node);
            byte[] ip = s == null ? null : IpAddresses.parse(s);
            return ip != null && IpAddresses.inNetwork(ip, address, prefixLength);
        }

        @Override
        public String describe() {
            return "in network " + network;
        }
    }

    /** Numeric comparison operators. */
    enum NumberOp {
        GT,
        GTE,
        LT,
        LTE,
        EQ
    }

    /** The value, read as a number (JSON number or numeric string), compared with a threshold. */
    record NumberCompare(NumberOp op, BigDecimal threshold) implements ValuePredicate {
        @Override
        public boolean test(JsonNode node) {
            BigDecimal v = asNumber(node);
            if (v == null) {
                return false;
            }
            int c = v.compareTo(threshold);
            return switch (op) {
                case GT -> c > 0;
                case GTE -> c >= 0;
                case LT -> c < 0;
                case LTE -> c <= 0;
                case EQ -> c == 0;
            };
        }

        static BigDecimal asNumber(JsonNode node) {
            if (node.isNumber()) {
                return node.decimalValue();
            }
            if (node.isTextual()) {
                String t = node.textValue().trim();
                if (t.isEmpty() || t.length() > 64) {
                    return null;
                }
                try {
                    return new BigDecimal(t);
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            return null;
        }

        @Override
        public String describe() {
            return op.name().toLowerCase(Locale.ROOT) + " " + threshold.toPlainString();
        }
    }

    /** Sigma's minute/hour/day/week/month/year modifiers: a part of an ISO-8601 timestamp (UTC), compared. */
    record DatePart(ChronoField field, NumberCompare compare) implements ValuePredicate {
        @Override
        public boolean test(JsonNode node) {
            String s = Event.stringForm(node);
            if (s == null) {
                return false;
            }
            try {
                OffsetDateTime t = OffsetDateTime.parse(s).withOffsetSameInstant(ZoneOffset.UTC);
                long part = field == ChronoField.ALIGNED_WEEK_OF_YEAR
                        ? t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)
                        : t.getLong(field);
                return compare.test(com.fasterxml.jackson.databind.node.LongNode.valueOf(part));
            } catch (DateTimeParseException e) {
                return false;
            }
        }

        @Override
        public String describe() {
            return field + " " + compare.describe();
        }
    }

    /** What kind of IP address a value must be (Panther's IsIPAddress… conditions). */
    enum IpKind {
        ANY,
        V4,
        V6,
        PUBLIC,
        PRIVATE
    }

    /** The value parses as an IP address of the given kind. */
    record IpAddress(IpKind kind) implements ValuePredicate {
        @Override
        public boolean test(JsonNode node) {
            String s = Event.stringForm(node);
            byte[] ip = s == null ? null : IpAddresses.parse(s);
            if (ip == null) {
                return false;
            }
            return switch (kind) {
                case ANY -> true;
                case V4 -> ip.length == 4;
                case V6 -> ip.length == 16;
                case PRIVATE -> IpAddresses.isPrivate(ip);
                case PUBLIC -> !IpAddresses.isPrivate(ip);
            };
        }

        @Override
        public String describe() {
            return "is " + kind.name().toLowerCase(Locale.ROOT) + " IP address";
        }
    }

    /** Negation of a value test, for conditions like Panther's DoesNotContain applied per value. */
    record Negation(ValuePredicate inner) implements ValuePredicate {
        @Override
        public boolean test(JsonNode node) {
            return !node.isNull() && !inner.test(node);
        }

        @Override
        public String describe() {
            return "not " + inner.describe();
        }
    }

    /** Helpers for IP parsing without DNS: {@link InetAddress#getByName} is only called on literal forms. */
    final class IpAddresses {
        private IpAddresses() {}

        /**
         * The address of {@code s} as an unsigned 32-bit value when it is a dotted quad in its plain form (ASCII
         * digits, no leading zeros), else -1: the common case of {@link #parse}, read without the resolver (a
         * split, a stream and an {@code InetAddress} per value). The other forms (IPv6, leading zeros, other
         * digits) go to {@link #parseByResolver}, which reads these four the same way.
         */
        static long plainIpv4(String s) {
            int n = s.length();
            if (n < 7 || n > 15) {
                return -1;
            }
            long address = 0;
            int parts = 0;
            int i = 0;
            while (true) {
                int start = i;
                int part = 0;
                while (i < n && i - start < 3) {
                    char c = s.charAt(i);
                    if (c < '0' || c > '9') {
                        break;
                    }
                    part = part * 10 + (c - '0');
                    i++;
                }
                int digits = i - start;
                if (digits == 0 || part > 255 || (digits > 1 && s.charAt(start) == '0')) {
                    return -1;
                }
                address = (address << 8) | part;
                parts++;
                if (parts == 4) {
                    return i == n ? address : -1;
                }
                if (i == n || s.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
        }

        /** The address bytes, or null when {@code s} is not a literal IPv4/IPv6 address. */
        static byte[] parse(String s) {
            long v4 = plainIpv4(s);
            if (v4 >= 0) {
                return new byte[] {(byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8), (byte) v4};
            }
            return parseByResolver(s);
        }

        /** {@link #parse} for every form, through {@code InetAddress} once no host name can reach it. */
        static byte[] parseByResolver(String s) {
            if (s.isEmpty() || s.length() > 45) {
                return null;
            }
            boolean v6 = s.indexOf(':') >= 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean ok = Character.digit(c, 16) >= 0 || c == '.' || c == ':' || (v6 && c == '%');
                if (!ok) {
                    return null; // never let a host name reach the resolver
                }
            }
            if (!v6 && !isDottedQuad(s)) {
                return null;
            }
            try {
                return InetAddress.getByName(s).getAddress();
            } catch (Exception e) {
                return null;
            }
        }

        private static boolean isDottedQuad(String s) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String p : parts) {
                if (p.isEmpty()
                        || p.length() > 3
                        || !p.chars().allMatch(Character::isDigit)
                        || Integer.parseInt(p) > 255) {
                    return false;
                }
            }
            return true;
        }

        static boolean inNetwork(byte[] ip, byte[] network, int prefix) {
            if (ip.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (ip[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (ip[full] & mask) == (network[full] & mask);
        }

        /** Private, loopback, link-local, CGNAT, unique-local and unspecified ranges count as private. */
        static boolean isPrivate(byte[] ip) {
            for (Cidr c : PRIVATE_NETWORKS) {
                if (inNetwork(ip, c.address(), c.prefixLength())) {
                    return true;
                }
            }
            return false;
        }

        private static final Cidr[] PRIVATE_NETWORKS = { // an array: iterating it allocates nothing
            Cidr.parse("10.0.0.0/8"),
            Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.168.0.0/16"),
            Cidr.parse("127.0.0.0/8"),
            Cidr.parse("169.254.0.0/16"),
            Cidr.parse("100.64.0.0/10"),
            Cidr.parse("0.0.0.0/8"),
            Cidr.parse("::1/128"),
            Cidr.parse("fc00::/7"),
            Cidr.parse("fe80::/10"),
            Cidr.parse("::/128")
        };
    }
}
