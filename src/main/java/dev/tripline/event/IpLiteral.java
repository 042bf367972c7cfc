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
