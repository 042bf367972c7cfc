package dev.tripline.alert;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.rule.Rule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Dedup keys: which matches of one rule count as "the same alert" (Panther's dedup string, scoped by rule).
 *
 * <p>Format: the rule id, then each part, joined by {@code |}. In a part, {@code \} and {@code |} and {@code ,}
 * are escaped with a backslash, a missing field is {@code \-} (which escaping can never produce, so a missing
 * field and the text {@code -} stay apart), and several values of one fanned-out field are joined by {@code ,}.
 * A key longer than {@value Limits#MAX_DEDUP_KEY} characters becomes {@code <rule id>|sha256:<hex>} of the full
 * key, so that hostile field values cannot grow keyed state.
 *
 * <ul>
 *   <li>Single-event rule with GroupBy: {@code AWS.CloudTrail.EnableRegion|123456789012|us-west-2}</li>
 *   <li>Single-event rule without GroupBy: rule id, {@code account}, {@code principal}:
 *       {@code Rule.X|123456789012|arn:aws:iam::123456789012:user/alice}</li>
 *   <li>Correlation: rule id and the group-by values in the rule's group-by order.</li>
 * </ul>
 */
public final class DedupKeys {
    static final String MISSING = "\\-";

    private DedupKeys() {}

    /** The dedup key of a single-event match: GroupBy values when the rule has any, else account and principal. */
    public static String single(Rule rule, Event event) {
        return single(escape(rule.id()), event.account(), event.principal(), groupForms(rule, event));
    }

    /**
     * {@link #single(Rule, Event)} from what the match's alert also shows: the event's account and principal, and
     * {@link #groupForms} of the rule's GroupBy fields (none: the key is account and principal); the rule id comes
     * {@link #escape}d, as a rule's template keeps it.
     */
    static String single(String escapedRuleId, String account, String principal, List<String>[] groupForms) {
        List<String> parts = new ArrayList<>(Math.max(2, groupForms.length));
        if (groupForms.length == 0) {
            parts.add(part(account));
            parts.add(part(principal));
        } else {
            for (List<String> forms : groupForms) {
                parts.add(part(forms));
            }
        }
        return join(escapedRuleId, parts);
    }

    /** For each of the rule's GroupBy fields, in order, the string forms of its values (nulls left out). */
    @SuppressWarnings("unchecked")
    static List<String>[] groupForms(Rule rule, Event event) {
        List<FieldPath> groupBy = rule.groupBy();
        List<String>[] forms = new List[groupBy.size()];
        for (int i = 0; i < forms.length; i++) {
            List<JsonNode> values = event.values(groupBy.get(i));
            List<String> texts = new ArrayList<>(values.size());
            for (JsonNode v : values) {
                String s = Event.stringForm(v);
                if (s != null) {
                    texts.add(s);
                }
            }
            forms[i] = texts;
        }
        return forms;
    }

    /** The dedup key of a correlation firing for one group; null values stand for missing group fields. */
    public static String of(String ruleId, List<String> groupValues) {
        List<String> parts = new ArrayList<>(groupValues.size());
        for (String v : groupValues) {
            parts.add(part(v));
        }
        return join(escape(ruleId), parts);
    }

    private static String part(List<String> forms) {
        if (forms.isEmpty()) {
            return MISSING;
        }
        if (forms.size() == 1) {
            return escape(forms.get(0));
        }
        StringBuilder b = new StringBuilder(escape(forms.get(0)));
        for (int i = 1; i < forms.size(); i++) {
            b.append(',').append(escape(forms.get(i)));
        }
        return b.toString();
    }

    private static String part(String value) {
        return value == null ? MISSING : escape(value);
    }

    static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '|' || c == ',') {
                if (b == null) {
                    b = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                b.append('\\');
            }
            if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    private static String join(String escapedRuleId, List<String> parts) {
        StringBuilder b = new StringBuilder(escapedRuleId);
        for (String p : parts) {
            b.append('|').append(p);
        }
        if (b.length() <= Limits.MAX_DEDUP_KEY) {
            return b.toString();
        }
        return Limits.truncate(escapedRuleId, 256) + "|sha256:" + sha256Hex(b.toString());
    }

    static String sha256Hex(String s) {
        return HexFormat.of().formatHex(sha256(s));
    }

    static byte[] sha256(String s) {
        return sha256().digest(s.getBytes(StandardCharsets.UTF_8));
    }

    /** This thread's SHA-256 digest, reset (a digest resets itself when it gives its result). */
    static MessageDigest sha256() {
        return SHA256.get();
    }

    /** One digest per thread: looking SHA-256 up among the providers costs more than hashing an alert's id. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    });
}
