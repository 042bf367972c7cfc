package dev.tripline.match;

import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Rule;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * All enabled rules compiled into one immutable, serializable matcher. Rules are indexed by what they select
 * on, so an event only visits the rules that can match it:
 * <ol>
 *   <li>by log type (a CloudTrail event never visits an Azure rule);</li>
 *   <li>by the event names a rule requires, when its detection pins {@code eventName} to a set of values;</li>
 *   <li>else by the event sources it requires ({@code eventSource});</li>
 *   <li>else the rule is checked for every event of its log type.</li>
 * </ol>
 * Index keys are lower-cased and the event's key fields are looked up case-insensitively, so the index only
 * ever over-approximates: the candidate's compiled detection decides.
 */
public final class CompiledMatcher implements Serializable {
    private static final long serialVersionUID = 1L;

    static final FieldPath EVENT_NAME = FieldPath.caseInsensitive("eventName");
    static final FieldPath EVENT_SOURCE = FieldPath.caseInsensitive("eventSource");
    private static final Candidate[] NONE = new Candidate[0];

    private final List<Rule> rules;
    private final Map<LogType, Index> indexes;

    private CompiledMatcher(List<Rule> rules, Map<LogType, Index> indexes) {
        this.rules = rules;
        this.indexes = indexes;
    }

    /** Compiles the enabled rules; disabled rules are left out. */
    public static CompiledMatcher compile(List<Rule> rules) {
        List<Rule> enabled = rules.stream().filter(Rule::enabled).toList();
        Map<LogType, IndexBuilder> builders = new EnumMap<>(LogType.class);
        for (Rule rule : enabled) {
            Candidate c = new Candidate(rule, CompiledExpr.compile(rule.detection()));
            Set<String> names = RequiredValues.of(rule.detection(), "eventName");
            Set<String> sources = names == null ? RequiredValues.of(rule.detection(), "eventSource") : null;
            for (LogType type : rule.logTypes()) {
                IndexBuilder b = builders.computeIfAbsent(type, t -> new IndexBuilder());
                if (names != null) {
                    names.forEach(n -> b.byName.computeIfAbsent(n, k -> new ArrayList<>()).add(c));
                } else if (sources != null) {
                    sources.forEach(s -> b.bySource.computeIfAbsent(s, k -> new ArrayList<>()).add(c));
                } else {
                    b.always.add(c);
                }
            }
        }
        Map<LogType, Index> indexes = new EnumMap<>(LogType.class);
        builders.forEach((type, b) -> indexes.put(type, b.build()));
        return new CompiledMatcher(List.copyOf(enabled), indexes);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** Calls {@code onMatch} for every rule that fires on {@code event}, in rule-load order per index bucket. */
    public void match(Event event, Consumer<Rule> onMatch) {
        Index index = indexes.get(event.logType());
        if (index == null) {
            return;
        }
        String name = keyValue(event, EVENT_NAME);
        String source = keyValue(event, EVENT_SOURCE);
        run(index.byName.getOrDefault(name, NONE), event, onMatch);
        run(index.bySource.getOrDefault(source, NONE), event, onMatch);
        run(index.always, event, onMatch);
    }

    /** The matches with the selections that made each fire (selections are worked out only for matches). */
    public List<RuleMatch> matches(Event event) {
        List<RuleMatch> out = new ArrayList<>(1);
        match(event, rule -> out.add(new RuleMatch(rule, Explanation.firedSelections(rule, event))));
        return out;
    }

    /** How many candidate rules an event of this shape visits; exposed for tests and benchmarks. */
    int candidateCount(Event event) {
        Index index = indexes.get(event.logType());
        if (index == null) {
            return 0;
        }
        return index.byName.getOrDefault(keyValue(event, EVENT_NAME), NONE).length
                + index.bySource.getOrDefault(keyValue(event, EVENT_SOURCE), NONE).length + index.always.length;
    }

    private static void run(Candidate[] candidates, Event event, Consumer<Rule> onMatch) {
        for (Candidate c : candidates) {
            if (c.detection.test(event, null)) {
                onMatch.accept(c.rule);
            }
        }
    }

    /** The event's first value at a key field, lower-cased; "" when absent (no rule is indexed under ""). */
    private static String keyValue(Event event, FieldPath path) {
        String[] out = {""};
        event.anyValue(path, v -> {
            String s = Event.stringForm(v);
            if (s != null) {
                out[0] = s.toLowerCase(Locale.ROOT);
            }
            return true;
        });
        return out[0];
    }

    private record Candidate(Rule rule, CompiledExpr detection) implements Serializable {
    }

    private record Index(Map<String, Candidate[]> byName, Map<String, Candidate[]> bySource, Candidate[] always)
            implements Serializable {
    }

    private static final class IndexBuilder {
        final Map<String, List<Candidate>> byName = new HashMap<>();
        final Map<String, List<Candidate>> bySource = new HashMap<>();
        final List<Candidate> always = new ArrayList<>();

        Index build() {
            return new Index(freeze(byName), freeze(bySource), always.toArray(NONE));
        }

        private static Map<String, Candidate[]> freeze(Map<String, List<Candidate>> m) {
            Map<String, Candidate[]> out = new HashMap<>();
            m.forEach((k, v) -> out.put(k, v.toArray(NONE)));
            return out;
        }
    }

    /** Describes the index, for {@code rules validate --verbose} and tests. */
    public String describeIndex() {
        StringBuilder b = new StringBuilder();
        indexes.forEach((type, idx) -> b.append(type).append(": ")
                .append(idx.byName.size()).append(" event names, ")
                .append(idx.bySource.size()).append(" event sources, ")
                .append(idx.always.length).append(" rules checked on every event; ")
                .append(Arrays.stream(idx.always).map(c -> c.rule.id()).toList()).append('\n'));
        return b.toString();
    }

    /** Works out which values a detection requires a key field to take, when it pins them down. */
    static final class RequiredValues {
        private RequiredValues() {
        }

        /**
         * The lower-cased values {@code field} must equal for {@code e} to hold, or null when the detection
         * does not constrain it to a finite set (wildcards, negations, list scopes, ...).
         */
        static Set<String> of(Expr e, String field) {
            if (e instanceof Expr.Selection s) {
                return of(s.body(), field);
            } else if (e instanceof Expr.Match m && isField(m.field(), field)) {
                Set<String> eq = CompiledExpr.caseInsensitiveEqualities(m.test());
                if (eq != null) {
                    return eq;
                }
                if (m.test() instanceof dev.tripline.rule.ValueTest.Text t
                        && t.mode() == dev.tripline.rule.ValueTest.Mode.EQUALS) {
                    return Set.of(t.value().toLowerCase(Locale.ROOT));
                }
                if (m.test() instanceof dev.tripline.rule.ValueTest.OneOf o) {
                    return o.values().stream().map(v -> v.toLowerCase(Locale.ROOT))
                            .collect(java.util.stream.Collectors.toUnmodifiableSet());
                }
                return null;
            } else if (e instanceof Expr.And a) {
                Set<String> best = null;
                for (Expr t : a.terms()) {
                    Set<String> s = of(t, field);
                    if (s != null && (best == null || s.size() < best.size())) {
                        best = s;
                    }
                }
                return best;
            } else if (e instanceof Expr.Or o) {
                java.util.Set<String> union = new java.util.HashSet<>();
                for (Expr t : o.terms()) {
                    Set<String> s = of(t, field);
                    if (s == null) {
                        return null;
                    }
                    union.addAll(s);
                }
                return union;
            } else if (e instanceof Expr.Const c && !c.value()) {
                return Set.of();
            }
            return null;
        }

        private static boolean isField(FieldPath path, String field) {
            return path.caseInsensitiveKeys() ? path.text().equalsIgnoreCase(field) : path.text().equals(field);
        }
    }
}
