package dev.tripline.match;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.event.CaseFoldMap;
import dev.tripline.event.EcsAliases;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Rule;
import dev.tripline.rule.ValuePredicate;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
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
 *   <li>by one field the rule pins to a finite set of values or prefixes: {@code eventName} when it can,
 *       else {@code eventSource}, else the first other field its detection pins (say
 *       {@code userIdentity.type: Root} or {@code eventType: AwsVpceEvent}); ECS renames count as the raw
 *       field they stand for;</li>
 *   <li>else the rule is checked for every event of its log type.</li>
 * </ol>
 * Index lookups fold case (without allocating) and read the event's fields case-insensitively, so the index
 * only ever over-approximates: the candidate's compiled detection decides. The differential test holds it to the
 * reference evaluator on every (rule, event) pair of the corpora.
 */
public final class CompiledMatcher implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final Candidate[] NONE = new Candidate[0];
    private static final List<String> PREFERRED_FIELDS = List.of("eventName", "eventSource");

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
                Map.Entry<String, Required> key = RequiredValues.bestKey(rule.detection(), type);
                IndexBuilder b = builders.computeIfAbsent(type, t -> new IndexBuilder());
                RequiredValues.spellings(rule.detection(), type, b.spelling);
                PREFERRED_FIELDS.forEach(f -> b.spelling.put(f.toLowerCase(Locale.ROOT), f));
                if (key == null) {
                    b.always.add(c);
                } else if (key.getValue().prefixes()) {
                    b.field(key.getKey())
                            .byPrefix
                            .add(new PrefixCandidate(c, key.getValue().values().toArray(new String[0])));
                } else {
                    FieldBuilder f = b.field(key.getKey());
                    key.getValue()
                            .values()
                            .forEach(v -> f.byValue
                                    .computeIfAbsent(v, k -> new ArrayList<>())
                                    .add(c));
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
            JsonNode direct = f.topLevel ? event.root().get(f.path.text()) : null;
            if (direct != null && direct.isTextual()) {
                // The common case (eventName, eventSource, ...): one exact get, one folded hash, no allocation.
                String value = direct.textValue();
                run(f.byValue.get(value), event, onMatch);
                for (PrefixCandidate p : f.byPrefix) {
                    if (p.matches(value)) {
                        run(p.candidate, event, onMatch);
                    }
                }
            } else {
                forEachCandidate(f, event, c -> run(c, event, onMatch));
            }
        }
        run(index.always, event, onMatch);
    }

    private static void run(Candidate[] candidates, Event event, Consumer<Rule> onMatch) {
        if (candidates != null) {
            for (Candidate c : candidates) {
                run(c, event, onMatch);
            }
        }
    }

    private static void run(Candidate c, Event event, Consumer<Rule> onMatch) {
        if (c.detection.test(event, null)) {
            onMatch.accept(c.rule);
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
            visitAll(f, direct.textValue(), visit, null);
            return;
        }
        List<JsonNode> values = event.values(f.path);
        Set<Candidate> seen = values.size() > 1 ? new HashSet<>() : null;
        for (JsonNode v : values) {
            String s = Event.stringForm(v);
            if (s != null) {
                visitAll(f, s, visit, seen);
            }
        }
    }

    private static void visitAll(IndexedField f, String value, Consumer<Candidate> visit, Set<Candidate> seen) {
        visitAll(f.byValue.get(value), visit, seen);
        for (PrefixCandidate p : f.byPrefix) {
            if (p.matches(value) && (seen == null || seen.add(p.candidate))) {
                visit.accept(p.candidate);
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

    private record Candidate(Rule rule, CompiledExpr detection) implements Serializable {}

    /** A rule filed under value prefixes; it is visited once however many of its prefixes match. */
    private record PrefixCandidate(Candidate candidate, String[] prefixes) implements Serializable {
        boolean matches(String value) {
            for (String p : prefixes) {
                if (value.regionMatches(true, 0, p, 0, p.length())) {
                    return true;
                }
            }
            return false;
        }
    }

    /** One indexed field: values to the rules that require them, and rules that require a prefix. */
    private record IndexedField(
            FieldPath path, boolean topLevel, CaseFoldMap<Candidate[]> byValue, PrefixCandidate[] byPrefix)
            implements Serializable {}

    private record Index(IndexedField[] fields, Candidate[] always) implements Serializable {}

    private static final class FieldBuilder {
        final Map<String, List<Candidate>> byValue = new HashMap<>();
        final List<PrefixCandidate> byPrefix = new ArrayList<>();
    }

    private static final class IndexBuilder {
        final Map<String, FieldBuilder> byField = new LinkedHashMap<>();
        final List<Candidate> always = new ArrayList<>();
        /** How rules spell each indexed field, so the common lookup is one exact hash get on the record. */
        final Map<String, String> spelling = new HashMap<>();

        FieldBuilder field(String name) {
            return byField.computeIfAbsent(name, k -> new FieldBuilder());
        }

        Index build() {
            List<IndexedField> fields = new ArrayList<>();
            byField.forEach((field, b) -> {
                Map<String, Candidate[]> frozen = new HashMap<>();
                b.byValue.forEach((k, v) -> frozen.put(k, v.toArray(NONE)));
                // Case-insensitive lookup, as Panther paths do; it can only add candidates, never lose one.
                FieldPath path = FieldPath.caseInsensitive(spelling.getOrDefault(field, field));
                fields.add(new IndexedField(
                        path,
                        path.length() == 1,
                        new CaseFoldMap<>(frozen),
                        b.byPrefix.toArray(new PrefixCandidate[0])));
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
                b.append(' ')
                        .append(f.path.text())
                        .append(" (")
                        .append(f.byValue.size())
                        .append(" values")
                        .append(f.byPrefix.length > 0 ? ", " + f.byPrefix.length + " prefix rules)" : ")");
            }
            b.append("; ")
                    .append(idx.always.length)
                    .append(" rules checked on every event")
                    .append(Arrays.stream(idx.always).map(c -> c.rule.id()).toList())
                    .append('\n');
        });
        return b.toString();
    }

    /**
     * What a detection requires of one field: to equal one of {@code values}, or, when {@code prefixes} is
     * true, to start with one of them. Values are lower-cased; comparisons ignore case (an over-approximation
     * of case-sensitive tests, which is what an index may do).
     */
    record Required(Set<String> values, boolean prefixes) {
        static final Required NOTHING = new Required(Set.of(), false);

        /** Weaker of two alternatives' requirements: the union, as prefixes if either side is. */
        Required union(Required other) {
            Set<String> all = new java.util.HashSet<>(values);
            all.addAll(other.values);
            return new Required(Set.copyOf(all), prefixes || other.prefixes);
        }

        /** Stronger of two conjuncts' requirements: exact values beat prefixes, then fewer values win. */
        Required stronger(Required other) {
            if (prefixes != other.prefixes) {
                return prefixes ? other : this;
            }
            return other.values.size() < values.size() ? other : this;
        }
    }

    /** Works out which values a detection requires a key field to take. */
    static final class RequiredValues {
        private RequiredValues() {}

        /**
         * The field to index a detection under (lower-cased raw path) and what it requires, or null when no
         * field is pinned. Prefers eventName, then eventSource, then the first other pinned field in the
         * order the detection mentions it; exact values beat prefixes.
         */
        static Map.Entry<String, Required> bestKey(Expr detection, LogType type) {
            java.util.LinkedHashSet<String> fields = new java.util.LinkedHashSet<>();
            PREFERRED_FIELDS.forEach(f -> fields.add(f.toLowerCase(Locale.ROOT)));
            collectFields(detection, fields, type);
            Map.Entry<String, Required> prefixKey = null;
            for (String field : fields) {
                Required r = of(detection, field, type);
                if (r != null && !r.prefixes()) {
                    return Map.entry(field, r);
                }
                if (r != null && prefixKey == null) {
                    prefixKey = Map.entry(field, r);
                }
            }
            return prefixKey;
        }

        /** Records, for each index name, a raw spelling rules use (first one wins: any is correct). */
        static void spellings(Expr e, LogType type, Map<String, String> out) {
            if (e instanceof Expr.Match m && !m.field().isSelf()) {
                FieldPath raw = type == LogType.CLOUDTRAIL ? EcsAliases.canonical(m.field()) : m.field();
                out.putIfAbsent(raw.text().toLowerCase(Locale.ROOT), raw.text());
            } else if (!(e instanceof Expr.Elements) && !(e instanceof Expr.NamedList)) {
                dev.tripline.rule.Exprs.children(e).forEach(c -> spellings(c, type, out));
            }
        }

        /** Field paths of value tests outside list scopes, lower-cased, in tree order. */
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

        /** What {@code e} requires of {@code field}, or null when it does not pin it down. */
        static Required of(Expr e, String field, LogType type) {
            if (e instanceof Expr.Selection s) {
                return of(s.body(), field, type);
            } else if (e instanceof Expr.Match m && indexName(m.field(), type).equals(field)) {
                return of(m.test());
            } else if (e instanceof Expr.And a) {
                Required best = null;
                for (Expr t : a.terms()) {
                    Required r = of(t, field, type);
                    if (r != null) {
                        best = best == null ? r : best.stronger(r);
                    }
                }
                return best;
            } else if (e instanceof Expr.Or o) {
                Required union = Required.NOTHING;
                for (Expr t : o.terms()) {
                    Required r = of(t, field, type);
                    if (r == null) {
                        return null;
                    }
                    union = union.union(r);
                }
                return union;
            } else if (e instanceof Expr.Const c && !c.value()) {
                return Required.NOTHING;
            }
            return null;
        }

        private static Required of(ValuePredicate test) {
            if (test instanceof ValuePredicate.Text t && t.mode() == ValuePredicate.Mode.EQUALS) {
                return new Required(Set.of(t.value().toLowerCase(Locale.ROOT)), false);
            }
            if (test instanceof ValuePredicate.OneOf o) {
                return new Required(
                        o.values().stream()
                                .map(v -> v.toLowerCase(Locale.ROOT))
                                .collect(java.util.stream.Collectors.toUnmodifiableSet()),
                        false);
            }
            if (test instanceof ValuePredicate.Text t
                    && t.mode() == ValuePredicate.Mode.PREFIX
                    && !t.value().isEmpty()) {
                return new Required(Set.of(t.value().toLowerCase(Locale.ROOT)), true);
            }
            if (test instanceof ValuePredicate.Glob g
                    && !g.parts().isEmpty()
                    && g.parts().get(0).kind() == ValuePredicate.GlobPart.Kind.LITERAL) {
                return new Required(Set.of(g.parts().get(0).literal().toLowerCase(Locale.ROOT)), true);
            }
            return null;
        }
    }
}
