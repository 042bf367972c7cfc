package dev.tripline.event;

/**
 * Decides whether a string is an IPv4 or IPv6 literal without ever consulting DNS: CloudTrail's
 * sourceIPAddress also holds service names such as {@code ec2.amazonaws.com} that must not be resolved.
 */
final class IpLiteral {
    private IpLiteral() {}

    static boolean isIp(String s) {
        return isIpv4(s, 0, s.length()) || isIpv6(s);
    }

    /**
     * The address of {@code s} when {@code s} is an IP literal, an IPv4 {@code a.b.c.d:port} or a bracketed IPv6
     * {@code [addr]:port} (Azure storage logs write the caller so); otherwise null. A bare IPv6 literal is
     * returned whole: its last group is never taken for a port.
     */
    static String withoutPort(String s) {
        if (isIp(s)) {
            return s;
        }
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close > 1 && isPortSuffix(s, close + 1)) {
                String inner = s.substring(1, close);
                return isIpv6(inner) ? inner : null;
            }
            return null;
        }
        int colon = s.indexOf(':');
        return colon > 0 && isPortSuffix(s, colon) && isIpv4(s, 0, colon) ? s.substring(0, colon) : null;
    }

    /** Whether {@code s} from {@code at} is {@code :} followed by a port number 0..65535. */
    private static boolean isPortSuffix(String s, int at) {
        int digits = s.length() - at - 1;
        if (digits < 1 || digits > 5 || s.charAt(at) != ':') {
            return false;
        }
        int port = 0;
        for (int i = at + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    private static boolean isIpv4(String s, int from, int to) {
        int parts = 0;
        int i = from;
        while (i <= to) {
            int start = i;
            int value = 0;
            while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                if (i - start >= 3 || value > 255) {
                    return false;
                }
                i++;
            }
            if (i == start) {
                return false;
            }
            parts++;
            if (i == to) {
                return parts == 4;
            }
            if (s.charAt(i) != '.' || parts == 4) {
                return false;
            }
            i++;
        }
        return false;
    }

    /** RFC 4291 text forms: eight groups, one {@code ::} elision, optional trailing dotted quad, optional zone. */
    private static boolean isIpv6(String s) {
        int end = s.indexOf('%');
        if (end == 0) {
            return false;
        }
        if (end < 0) {
            end = s.length();
        } else if (end == s.length() - 1) {
            return false;
        }
        if (end < 2 || end > 45 || s.indexOf(':') < 0) {
            return false;
        }
        int groups = 0;
        boolean elided = false;
        int i = 0;
        if (s.startsWith("::")) {
            elided = true;
            i = 2;
            if (i == end) {
                return true;
            }
        } else if (s.charAt(0) == ':') {
            return false;
        }
        while (i < end) {
            int start = i;
            while (i < end && Character.digit(s.charAt(i), 16) >= 0 && i - start < 4) {
                i++;
            }
            if (i < end && s.charAt(i) == '.') {
                // Embedded IPv4 takes the last two groups.
                if (!isIpv4(s, start, end)) {
                    return false;
                }
                groups += 2;
                i = end;
                break;
            }
            if (i == start) {
                return false;
            }
            groups++;
            if (i == end) {
                break;
            }
            if (s.charAt(i) != ':') {
                return false;
            }
            i++;
            if (i < end && s.charAt(i) == ':') {
                if (elided) {
                    return false;
                }
                elided = true;
                i++;
                if (i == end) {
                    break;
                }
            } else if (i == end) {
                return false;
            }
        }
        return elided ? groups < 8 : groups == 8;
    }
}
