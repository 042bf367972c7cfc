package dev.tripline.match;

import dev.tripline.event.EcsAliases;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.CaseFoldMap;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Rule;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 *   <li>by one field the rule pins to a finite set of values: {@code eventName} when it can, else
 *       {@code eventSource}, else the first other field its detection requires to equal one of a few values
 *       (say {@code userIdentity.type: Root} or {@code eventType: AwsVpceEvent});</li>
 *   <li>else the rule is checked for every event of its log type.</li>
 * </ol>
 * Index keys are lower-cased and the event's values are looked up case-insensitively, so the index only
 * ever over-approximates: the candidate's compiled detection decides. The differential test holds it to the
 * reference evaluator on every (rule, event) pair of the corpora.
 */
public final class CompiledMatcher implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final Candidate[] NONE = new Candidate[0];
    private static final List<String> PREFERRED_FIELDS = List.of("eventname", "eventsource");

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
            for (LogType type : rule.logTypes()) {
                Map.Entry<String, Set<String>> key = RequiredValues.bestKey(rule.detection(), type);
                IndexBuilder b = builders.computeIfAbsent(type, t -> new IndexBuilder());
                if (key == null) {
                    b.always.add(c);
                } else {
                    Map<String, List<Candidate>> byValue = b.byField.computeIfAbsent(key.getKey(), k -> new HashMap<>());
                    key.getValue().forEach(v -> byValue.computeIfAbsent(v, k -> new ArrayList<>()).add(c));
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

    /** Calls {@code onMatch} once for every rule that fires on {@code event}. */
    public void match(Event event, Consumer<Rule> onMatch) {
        Index index = indexes.get(event.logType());
        if (index == null) {
            return;
        }
        for (IndexedField f : index.fields) {
            forEachCandidate(f, event, c -> {
                if (c.detection.test(event, null)) {
                    onMatch.accept(c.rule);
                }
            });
        }
        for (Candidate c : index.always) {
            if (c.detection.test(event, null)) {
                onMatch.accept(c.rule);
            }
        }
    }

    /** The matches with the selections that made each fire (selections are worked out only for matches). */
    public List<RuleMatch> matches(Event event) {
        List<RuleMatch> out = new ArrayList<>(1);
        match(event, rule -> out.add(new RuleMatch(rule, Explanation.firedSelections(rule, event))));
        return out;
    }

    /** How many candidate rules an event visits; exposed for tests and benchmarks. */
    int candidateCount(Event event) {
        Index index = indexes.get(event.logType());
        if (index == null) {
            return 0;
        }
        int[] n = {index.always.length};
        for (IndexedField f : index.fields) {
            forEachCandidate(f, event, c -> n[0]++);
        }
        return n[0];
    }

    /**
     * Visits the candidates filed under the event's values of one indexed field. The common case, one value,
     * costs one hash lookup; several values (the field crosses an array) are de-duplicated.
     */
    private static void forEachCandidate(IndexedField f, Event event, Consumer<Candidate> visit) {
        JsonNode direct = f.topLevel ? event.root().get(f.path.text()) : null;
        if (direct != null && direct.isTextual()) {
            visitAll(f.byValue.get(direct.textValue()), visit, null);
            return;
        }
        List<JsonNode> values = event.values(f.path);
        Set<Candidate> seen = values.size() > 1 ? new HashSet<>() : null;
        for (JsonNode v : values) {
            String s = Event.stringForm(v);
            if (s != null) {
                visitAll(f.byValue.get(s), visit, seen);
            }
        }
    }

    private static void visitAll(Candidate[] hit, Consumer<Candidate> visit, Set<Candidate> seen) {
        if (hit != null) {
            for (Candidate c : hit) {
                if (seen == null || seen.add(c)) {
                    visit.accept(c);
                }
            }
        }
    }

    private record Candidate(Rule rule, CompiledExpr detection) implements Serializable {
    }

    /** One indexed field: lower-cased value to the rules that require it. */
    private record IndexedField(FieldPath path, boolean topLevel, CaseFoldMap<Candidate[]> byValue)
            implements Serializable {
    }

    private record Index(IndexedField[] fields, Candidate[] always) implements Serializable {
    }

    private static final class IndexBuilder {
        final Map<String, Map<String, List<Candidate>>> byField = new LinkedHashMap<>();
        final List<Candidate> always = new ArrayList<>();

        Index build() {
            List<IndexedField> fields = new ArrayList<>();
            byField.forEach((field, byValue) -> {
                Map<String, Candidate[]> frozen = new HashMap<>();
                byValue.forEach((k, v) -> frozen.put(k, v.toArray(NONE)));
                // Case-insensitive lookup, as Panther paths do; it can only add candidates, never lose one.
                FieldPath path = FieldPath.caseInsensitive(field);
                fields.add(new IndexedField(path, path.length() == 1, new CaseFoldMap<>(frozen)));
            });
            return new Index(fields.toArray(new IndexedField[0]), always.toArray(NONE));
        }
    }

    /** Describes the index, for {@code rules validate --show-index} and tests. */
    public String describeIndex() {
        StringBuilder b = new StringBuilder();
        indexes.forEach((type, idx) -> {
            b.append(type).append(":");
            for (IndexedField f : idx.fields) {
                b.append(' ').append(f.path.text()).append(" (").append(f.byValue.size()).append(" values)");
            }
            b.append("; ").append(idx.always.length).append(" rules checked on every event")
                    .append(Arrays.stream(idx.always).map(c -> c.rule.id()).toList()).append('\n');
        });
        return b.toString();
    }

    /** Works out which values a detection requires a key field to take, when it pins them down. */
    static final class RequiredValues {
        private RequiredValues() {
        }

        /**
         * The field to index a detection under (lower-cased path text) and the values it requires, or null
         * when no field is pinned to a finite set. Prefers eventName, then eventSource, then the first other
         * pinned field in the order the detection mentions it.
         */
        static Map.Entry<String, Set<String>> bestKey(Expr detection, LogType type) {
            java.util.LinkedHashSet<String> fields = new java.util.LinkedHashSet<>(PREFERRED_FIELDS);
            collectFields(detection, fields, type);
            for (String field : fields) {
                Set<String> values = of(detection, field, type);
                if (values != null) {
                    return Map.entry(field, values);
                }
            }
            return null;
        }

        /** Field paths of equality tests outside list scopes, lower-cased, in tree order. */
        private static void collectFields(Expr e, Set<String> out, LogType type) {
            if (e instanceof Expr.Match m && !m.field().isSelf()) {
                out.add(indexName(m.field(), type));
            } else if (!(e instanceof Expr.Elements) && !(e instanceof Expr.NamedList)) {
                dev.tripline.rule.Exprs.children(e).forEach(c -> collectFields(c, out, type));
            }
        }

        /**
         * The lower-cased raw path an index files a field under: ECS renames such as {@code event.action}
         * count as the CloudTrail field they stand for. Safe for an index: an alias only ever yields values
         * that its raw field holds.
         */
        static String indexName(FieldPath path, LogType type) {
            FieldPath raw = type == LogType.CLOUDTRAIL ? EcsAliases.canonical(path) : path;
            return raw.text().toLowerCase(Locale.ROOT);
        }

        /**
         * The lower-cased values {@code field} must equal for {@code e} to hold, or null when the detection
         * does not constrain it to a finite set (wildcards, negations, list scopes, ...).
         */
        static Set<String> of(Expr e, String field, LogType type) {
            if (e instanceof Expr.Selection s) {
                return of(s.body(), field, type);
            } else if (e instanceof Expr.Match m && indexName(m.field(), type).equals(field)) {
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
                    Set<String> s = of(t, field, type);
                    if (s != null && (best == null || s.size() < best.size())) {
                        best = s;
                    }
                }
                return best;
            } else if (e instanceof Expr.Or o) {
                java.util.Set<String> union = new java.util.HashSet<>();
                for (Expr t : o.terms()) {
                    Set<String> s = of(t, field, type);
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
    }
}
