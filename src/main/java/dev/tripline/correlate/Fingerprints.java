package dev.tripline.correlate;

import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Exprs;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import dev.tripline.rule.ValuePredicate;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The semantic fingerprint of a correlation: a hash of everything that decides what its state means, so that a
 * rollout (savepoint restore or live update) keeps the open partial matches of correlations whose fingerprint
 * is unchanged and drops the others. State is keyed by correlation id and fingerprint
 * ({@code flink.SignalRecord#key}), so old state can never be stepped by a changed rule.
 *
 * <p>In the hash: the correlation's type, referenced rules (in order), group-by, timespan, condition, temporal
 * condition, value fields, percentile and aliases; each referenced rule's log types and detection expression as
 * compiled (so placeholders such as {@code %approved_regions%} count with the values they expanded to), and for a
 * referenced correlation its own fingerprint; each referenced rule's evidence field names in order (the state
 * packs its evidence against them, {@link Encoding#writePackedEvidence}); the plan's per-group limits; and
 * {@link #STATE_FORMAT}. Not in it: titles, descriptions, levels, tags, authors, alert titles, the correlation's
 * own {@code generate} and file locations, which change what an alert says but not what the state holds.
 */
public final class Fingerprints {
    /**
     * The version of {@link CorrelationState}'s meaning. Raise it when a change to the engine makes old state
     * mean something else: every correlation then starts empty after the rollout. 2: per-slot state (a slot per
     * rule and instant, evidence packed beside the index).
     */
    public static final int STATE_FORMAT = 2;
    /** Hex characters kept of the SHA-256: 64 bits, ample for telling a handful of versions of one rule apart. */
    public static final int LENGTH = 16;

    private Fingerprints() {}

    /** The fingerprint of {@code correlation}, resolving its references in {@code rules}. */
    public static String of(CorrelationRule correlation, RuleSet rules, CorrelationPlan.Options options) {
        return hash(describe(correlation, rules, options, new TreeSet<>()));
    }

    /** The canonical text the fingerprint hashes; {@code visiting} guards against reference cycles. */
    static String describe(
            CorrelationRule c, RuleSet rules, CorrelationPlan.Options options, java.util.Set<String> visiting) {
        if (!visiting.add(c.id())) {
            throw new IllegalArgumentException("correlation reference cycle through '" + c.id() + "'");
        }
        StringBuilder b = new StringBuilder();
        b.append("state-format=").append(STATE_FORMAT).append('\n');
        b.append("limits=")
                .append(options.maxSignalsPerRule())
                .append(',')
                .append(options.maxEvidence())
                .append('\n');
        b.append("type=").append(c.type()).append('\n');
        b.append("group-by=").append(c.groupBy()).append('\n');
        b.append("timespan=")
                .append(c.timespan() == null ? "" : c.timespan().toMillis())
                .append('\n');
        b.append("condition=");
        for (CorrelationRule.Bound bound : c.condition()) {
            b.append(bound.op())
                    .append(' ')
                    .append(bound.value().stripTrailingZeros().toPlainString())
                    .append(';');
        }
        b.append('\n');
        b.append("temporal-condition=")
                .append(c.temporalCondition() == null ? "" : c.temporalCondition())
                .append('\n');
        b.append("fields=").append(c.fields()).append('\n');
        b.append("percentile=")
                .append(c.percentile() == null ? "" : c.percentile())
                .append('\n');
        b.append("aliases=").append(sorted(c.aliases())).append('\n');
        // Only when present, so that the fingerprints of correlations without them stay as they were.
        if (!c.absent().isEmpty()) {
            b.append("absent=").append(new TreeSet<>(c.absent())).append('\n');
        }
        if (!c.minCounts().isEmpty()) {
            b.append("min-counts=").append(c.minCounts()).append('\n');
        }
        for (String ref : c.rules()) {
            b.append("input ").append(ref).append(": ");
            Rule rule = rules.rule(ref).orElse(null);
            CorrelationRule inner = rule == null ? rules.correlation(ref).orElse(null) : null;
            if (rule != null) {
                b.append("log-types=")
                        .append(new TreeSet<>(
                                rule.logTypes().stream().map(LogType::name).toList()))
                        .append(" evidence-fields=")
                        .append(rule.outputFields().stream()
                                .map(FieldPath::text)
                                .toList())
                        .append(" detection=");
                expr(rule.detection(), b);
            } else if (inner != null) {
                b.append("correlation ").append(hash(describe(inner, rules, options, visiting)));
            } else {
                b.append("unresolved");
            }
            b.append('\n');
        }
        visiting.remove(c.id());
        return b.toString();
    }

    /** The first {@link #LENGTH} hex characters of the SHA-256 of {@code text}. */
    public static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static Map<String, Map<String, String>> sorted(Map<String, Map<String, String>> aliases) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        aliases.forEach((k, v) -> out.put(k, new TreeMap<>(v)));
        return out;
    }

    /** Writes {@code e} in a form that is equal for equal semantics and stable across JVMs. */
    static void expr(Expr e, StringBuilder b) {
        if (e instanceof Expr.Match m) {
            b.append("match(").append(path(m.field())).append(',');
            test(m.test(), b);
            b.append(')');
        } else if (e instanceof Expr.Keyword k) {
            b.append("keyword(");
            test(k.test(), b);
            b.append(')');
        } else if (e instanceof Expr.Exists x) {
            b.append("exists(").append(path(x.field())).append(')');
        } else if (e instanceof Expr.IsNull n) {
            b.append("null(")
                    .append(path(n.field()))
                    .append(',')
                    .append(n.orEmpty())
                    .append(')');
        } else if (e instanceof Expr.CompareFields f) {
            b.append("compare(")
                    .append(path(f.left()))
                    .append(',')
                    .append(path(f.right()))
                    .append(',')
                    .append(f.mode())
                    .append(',')
                    .append(f.caseSensitive())
                    .append(')');
        } else if (e instanceof Expr.Const c) {
            b.append(c.value());
        } else if (e instanceof Expr.NamedList l) {
            b.append("list(");
            expr(l.resolved(), b);
            b.append(')');
        } else if (e instanceof Expr.Elements el) {
            b.append("elements(")
                    .append(path(el.list()))
                    .append(',')
                    .append(el.quantifier())
                    .append(',');
            expr(el.element(), b);
            b.append(')');
        } else if (e instanceof Expr.Selection s) {
            // Selection names only label explanations; the body is what matters.
            expr(s.body(), b);
        } else {
            b.append(e.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT))
                    .append('(');
            List<Expr> children = Exprs.children(e);
            for (int i = 0; i < children.size(); i++) {
                if (i > 0) {
                    b.append(',');
                }
                expr(children.get(i), b);
            }
            b.append(')');
        }
    }

    private static void test(ValuePredicate t, StringBuilder b) {
        if (t instanceof ValuePredicate.Negation n) {
            b.append("not(");
            test(n.inner(), b);
            b.append(')');
        } else if (t instanceof ValuePredicate.OneOf o) {
            // Sorted: a set's iteration order is not part of its meaning.
            b.append("oneof").append(new TreeSet<>(o.values())).append(o.caseSensitive() ? "cased" : "");
        } else if (t instanceof ValuePredicate.Cidr c) {
            // The address bytes, not the text: 10.0.0.0/8 and 10.0.0.0/08 are one network.
            b.append("cidr(")
                    .append(HexFormat.of().formatHex(c.address()))
                    .append('/')
                    .append(c.prefixLength())
                    .append(')');
        } else if (t instanceof ValuePredicate.Regex r) {
            b.append("regex(")
                    .append(r.pattern())
                    .append(',')
                    .append(r.ignoreCase())
                    .append(',')
                    .append(r.multiline())
                    .append(',')
                    .append(r.dotAll())
                    .append(')');
        } else {
            // The remaining tests are records or classes whose toString names every field that matters.
            b.append(t);
        }
    }

    private static String path(FieldPath p) {
        return p.text() + (p.caseInsensitiveKeys() ? "~i" : "");
    }
}
