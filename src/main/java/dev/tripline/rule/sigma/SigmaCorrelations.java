package dev.tripline.rule.sigma;

import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Level;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.LoadSink;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Sigma correlation (meta) rules: parsing one {@code correlation} document, and the cross-file work done once
 * every file is loaded (resolving rule references by id or name, cycles, aliases, and marking the referenced
 * rules signal-only unless {@code generate: true}).
 */
final class SigmaCorrelations {
    private static final Pattern TIMESPAN = Pattern.compile("(\\d{1,9})([smhdwMy])");
    private static final Set<String> BOUND_KEYS = Set.of("gt", "gte", "lt", "lte", "eq", "neq");
    private static final Set<String> CORRELATION_KEYS =
            Set.of("type", "rules", "group-by", "timespan", "condition", "aliases", "generate");

    private SigmaCorrelations() {}

    /** A reference to a rule or correlation as written, with where it was written. */
    record Ref(String text, SourceLocation at) {}

    /** A parsed correlation whose references are not resolved yet. */
    record Pending(
            String id,
            String name,
            String title,
            String description,
            Level level,
            List<String> tags,
            List<String> authors,
            CorrelationRule.Type type,
            List<Ref> rules,
            List<String> groupBy,
            Duration timespan,
            List<CorrelationRule.Bound> condition,
            String temporalCondition,
            List<String> fields,
            Double percentile,
            Map<String, Map<Ref, String>> aliases,
            boolean generate,
            String alertTitle,
            SourceLocation location) {}

    /** Parses the {@code correlation} map of a document; metadata comes from the caller. */
    static Pending parse(
            String file,
            YamlMap doc,
            String id,
            String name,
            String title,
            String description,
            Level level,
            List<String> tags,
            List<String> authors,
            String alertTitle,
            List<LoadError> errors) {
        YamlMap c;
        try {
            c = SafeYaml.map(file, doc.get("correlation"), "'correlation'");
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
            return null;
        }
        for (String key : c.keys()) {
            if (!CORRELATION_KEYS.contains(key)) {
                errors.add(new LoadError(
                        c.keyLocation(key),
                        "unknown correlation key '" + key + "' (known: "
                                + String.join(
                                        ", ", CORRELATION_KEYS.stream().sorted().toList()) + ")"));
            }
        }
        CorrelationRule.Type type = null;
        try {
            String t = c.string("type");
            if (t == null) {
                errors.add(new LoadError(c.location(), "correlation has no 'type'"));
            } else {
                type = parseType(t, c.get("type"), file);
            }
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
        }
        List<Ref> rules = new ArrayList<>();
        try {
            Node r = c.get("rules");
            if (r == null || SafeYaml.isNull(r)) {
                errors.add(new LoadError(c.location(), "correlation has no 'rules'"));
            } else {
                for (Node item : r instanceof SequenceNode s ? s.getValue() : List.of(r)) {
                    rules.add(new Ref(SafeYaml.scalar(file, item, "a 'rules' entry"), SafeYaml.at(file, item)));
                }
                if (rules.isEmpty()) {
                    errors.add(new LoadError(SafeYaml.at(file, r), "'rules' is empty"));
                }
            }
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
        }
        List<String> groupBy = List.of();
        try {
            Node g = c.get("group-by");
            if (g == null) {
                errors.add(new LoadError(c.location(), "correlation has no 'group-by' (required for every type)"));
            } else {
                groupBy = SafeYaml.scalarList(file, g, "'group-by'");
                if (groupBy.isEmpty()) {
                    errors.add(new LoadError(SafeYaml.at(file, g), "'group-by' is empty"));
                }
            }
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
        }
        Duration timespan = null;
        try {
            String ts = c.string("timespan");
            if (ts == null) {
                errors.add(new LoadError(
                        c.location(),
                        "correlation has no 'timespan'"
                                + (doc.has("timespan")
                                        ? " (a top-level 'timespan' belongs inside 'correlation')"
                                        : "")));
            } else {
                timespan = parseTimespan(ts, SafeYaml.at(file, c.get("timespan")));
            }
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
        }
        List<CorrelationRule.Bound> bounds = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        Double[] percentile = {null};
        String temporalCondition = null;
        boolean temporal = type == CorrelationRule.Type.TEMPORAL || type == CorrelationRule.Type.TEMPORAL_ORDERED;
        Node cond = c.get("condition");
        try {
            if (cond == null) {
                if (type != null && !temporal) {
                    errors.add(new LoadError(
                            c.location(), "correlation of type '" + typeName(type) + "' needs a 'condition'"));
                }
            } else if (cond instanceof MappingNode) {
                parseCondition(file, SafeYaml.map(file, cond, "'condition'"), type, bounds, fields, percentile, errors);
            } else if (cond instanceof ScalarNode s && !SafeYaml.isNull(s) && temporal) {
                temporalCondition = s.getValue();
                checkTemporalCondition(s, file, rules);
            } else {
                errors.add(new LoadError(
                        SafeYaml.at(file, cond),
                        temporal
                                ? "'condition' must be a map of bounds or a boolean expression over rule names"
                                : "'condition' must be a map such as {gte: 10}"));
            }
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
        }
        if (type == CorrelationRule.Type.VALUE_MEDIAN) {
            percentile[0] = 50.0;
        }
        if (type != null && typeName(type).startsWith("value_") && fields.isEmpty() && cond instanceof MappingNode) {
            errors.add(new LoadError(
                    SafeYaml.at(file, cond),
                    "correlation of type '" + typeName(type) + "' needs 'field' in its condition"));
        }
        Map<String, Map<Ref, String>> aliases = new LinkedHashMap<>();
        try {
            Node a = c.get("aliases");
            if (a != null && !SafeYaml.isNull(a)) {
                YamlMap am = SafeYaml.map(file, a, "'aliases'");
                for (Map.Entry<String, NodeTuple> e : am.entries().entrySet()) {
                    YamlMap perRule = SafeYaml.map(file, e.getValue().getValueNode(), "alias '" + e.getKey() + "'");
                    Map<Ref, String> m = new LinkedHashMap<>();
                    for (Map.Entry<String, NodeTuple> r : perRule.entries().entrySet()) {
                        m.put(
                                new Ref(
                                        r.getKey(),
                                        SafeYaml.at(file, r.getValue().getKeyNode())),
                                SafeYaml.scalar(file, r.getValue().getValueNode(), "an alias field"));
                    }
                    aliases.put(e.getKey(), m);
                }
            }
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
        }
        boolean generate = false;
        Node gen = c.get("generate");
        if (gen != null) {
            if (gen instanceof ScalarNode s && s.getTag().equals(Tag.BOOL)) {
                generate = s.getValue().equalsIgnoreCase("true");
            } else {
                errors.add(new LoadError(SafeYaml.at(file, gen), "'generate' must be true or false"));
            }
        }
        if (!errors.isEmpty()) {
            return null;
        }
        return new Pending(
                id,
                name,
                title,
                description,
                level,
                tags,
                authors,
                type,
                rules,
                groupBy,
                timespan,
                bounds,
                temporalCondition,
                fields,
                percentile[0],
                aliases,
                generate,
                alertTitle,
                doc.location());
    }

    /** The correlation types Sigma defines (new_terms is Elastic's, made by its loader only). */
    private static final List<CorrelationRule.Type> SIGMA_TYPES = java.util.Arrays.stream(CorrelationRule.Type.values())
            .filter(t -> t != CorrelationRule.Type.NEW_TERMS)
            .toList();

    static String typeName(CorrelationRule.Type t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    private static CorrelationRule.Type parseType(String t, Node node, String file) {
        for (CorrelationRule.Type type : SIGMA_TYPES) {
            if (typeName(type).equals(t)) {
                return type;
            }
        }
        throw new RuleSyntaxException(
                SafeYaml.at(file, node),
                "unknown correlation type '" + t + "' (known: "
                        + String.join(
                                ", ",
                                SIGMA_TYPES.stream()
                                        .map(SigmaCorrelations::typeName)
                                        .toList())
                        + ")");
    }

    static Duration parseTimespan(String text, SourceLocation at) {
        Matcher m = TIMESPAN.matcher(text.trim());
        if (!m.matches()) {
            throw new RuleSyntaxException(
                    at,
                    "timespan must be a number and a unit (s, m, h, d, w, M, y), e.g. 5m; " + "found '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        if (n == 0) {
            throw new RuleSyntaxException(at, "timespan must be longer than zero");
        }
        long unitSeconds = switch (m.group(2)) {
            case "s" -> 1;
            case "m" -> 60;
            case "h" -> 3600;
            case "d" -> 86_400;
            case "w" -> 604_800;
            case "M" -> 2_629_746; // a Gregorian average month, as pySigma counts it
            default -> 31_556_952; // a Gregorian average year
        };
        return Duration.ofSeconds(n * unitSeconds);
    }

    private static void parseCondition(
            String file,
            YamlMap m,
            CorrelationRule.Type type,
            List<CorrelationRule.Bound> bounds,
            List<String> fields,
            Double[] percentile,
            List<LoadError> errors) {
        for (Map.Entry<String, NodeTuple> e : m.entries().entrySet()) {
            String key = e.getKey();
            Node v = e.getValue().getValueNode();
            SourceLocation at = SafeYaml.at(file, e.getValue().getKeyNode());
            if (BOUND_KEYS.contains(key)) {
                bounds.add(new CorrelationRule.Bound(
                        CorrelationRule.CompareOp.valueOf(key.toUpperCase(Locale.ROOT)), number(file, v, key)));
            } else if (key.equals("field")) {
                fields.addAll(SafeYaml.scalarList(file, v, "'field'"));
                if (type != null && !typeName(type).startsWith("value_")) {
                    errors.add(new LoadError(at, "'field' only applies to value_* correlation types"));
                } else if (fields.size() > 1 && type != CorrelationRule.Type.VALUE_COUNT) {
                    errors.add(new LoadError(at, "only value_count accepts several fields"));
                }
            } else if (key.equals("percentile")) {
                BigDecimal p = number(file, v, key);
                if (type != CorrelationRule.Type.VALUE_PERCENTILE) {
                    errors.add(new LoadError(at, "'percentile' only applies to value_percentile"));
                } else if (p.signum() < 0 || p.compareTo(BigDecimal.valueOf(100)) > 0) {
                    errors.add(new LoadError(at, "'percentile' must be between 0 and 100"));
                } else {
                    percentile[0] = p.doubleValue();
                }
            } else {
                errors.add(new LoadError(
                        at,
                        "unknown condition key '" + key + "' (known: gt, gte, lt, lte, eq, neq, field, percentile)"));
            }
        }
        if (bounds.isEmpty()) {
            errors.add(new LoadError(m.location(), "condition needs a comparison (gt, gte, lt, lte, eq or neq)"));
        } else if (bounds.size() == 2) {
            boolean lower = bounds.stream()
                    .anyMatch(b -> b.op() == CorrelationRule.CompareOp.GT || b.op() == CorrelationRule.CompareOp.GTE);
            boolean upper = bounds.stream()
                    .anyMatch(b -> b.op() == CorrelationRule.CompareOp.LT || b.op() == CorrelationRule.CompareOp.LTE);
            if (!lower || !upper) {
                errors.add(new LoadError(
                        m.location(), "two comparisons must form a range: one of gt/gte and one of lt/lte"));
            }
        } else if (bounds.size() > 2) {
            errors.add(new LoadError(m.location(), "condition may hold at most two comparisons (a range)"));
        }
    }

    private static BigDecimal number(String file, Node v, String key) {
        String text = SafeYaml.scalar(file, v, "'" + key + "'");
        try {
            return new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            throw new RuleSyntaxException(SafeYaml.at(file, v), "'" + key + "' needs a number, found '" + text + "'");
        }
    }

    /**
     * Checks a draft-v2.2 boolean condition over rule names (e.g. {@code a AND b AND NOT c}); operators may be
     * upper- or lower-case there, so they are lower-cased before the detection-condition grammar checks it.
     */
    private static void checkTemporalCondition(ScalarNode s, String file, List<Ref> rules) {
        String text = s.getValue();
        StringBuilder normalized = new StringBuilder(text);
        Matcher m = Pattern.compile("(?i)\\b(and|or|not)\\b").matcher(text);
        while (m.find()) {
            normalized.replace(m.start(), m.end(), m.group().toLowerCase(Locale.ROOT));
        }
        Map<String, Expr> names = new LinkedHashMap<>();
        rules.forEach(r -> names.put(r.text(), new Expr.Const(true)));
        SourceLocation start = SafeYaml.at(file, s);
        int shift = s.getScalarStyle() == org.yaml.snakeyaml.DumperOptions.ScalarStyle.PLAIN ? 0 : 1;
        SigmaCondition.parse(
                normalized.toString(),
                names,
                offset -> new SourceLocation(file, start.line(), start.column() + shift + offset));
    }

    // ---- cross-file resolution ----

    /** Resolves, checks and adds every pending correlation to the sink; marks referenced rules signal-only. */
    static void finish(List<Pending> pending, LoadSink sink) {
        Map<String, String> ruleIds = new HashMap<>();
        for (Rule r : sink.rules()) {
            ruleIds.putIfAbsent(r.id(), r.id());
        }
        for (Rule r : sink.rules()) {
            if (r.name() != null) {
                ruleIds.putIfAbsent(r.name(), r.id());
            }
        }
        Map<String, String> correlationIds = new HashMap<>();
        for (Pending p : pending) {
            correlationIds.putIfAbsent(p.id(), p.id());
        }
        for (Pending p : pending) {
            if (p.name() != null) {
                correlationIds.putIfAbsent(p.name(), p.id());
            }
        }
        Map<String, List<String>> edges = new HashMap<>();
        Map<Pending, List<String>> resolved = new LinkedHashMap<>();
        Set<Pending> broken = new HashSet<>();
        for (Pending p : pending) {
            List<String> ids = new ArrayList<>();
            List<String> correlationRefs = new ArrayList<>();
            Map<String, Ref> entryOf = new HashMap<>();
            for (Ref ref : p.rules()) {
                String id = ruleIds.get(ref.text());
                if (id == null) {
                    id = correlationIds.get(ref.text());
                    if (id != null) {
                        correlationRefs.add(id);
                    }
                }
                if (id == null) {
                    sink.error(
                            ref.at(),
                            "correlation '" + p.title() + "' references '" + ref.text()
                                    + "', which is neither the id nor the name of any loaded rule or correlation");
                    broken.add(p);
                } else if (entryOf.containsKey(id)) {
                    // Each listed rule is one input of the correlation; a repeat (also by id and by name) would
                    // make one match count as two different steps.
                    Ref first = entryOf.get(id);
                    sink.error(
                            ref.at(),
                            "correlation '" + p.title() + "' lists the rule '" + ref.text() + "' twice (first as '"
                                    + first.text() + "' at " + first.at() + "); list each rule once");
                    broken.add(p);
                } else {
                    entryOf.put(id, ref);
                    ids.add(id);
                }
            }
            edges.put(p.id(), correlationRefs);
            resolved.put(p, ids);
        }
        Set<String> inCycle = findCycles(pending, edges, sink);
        for (Pending p : pending) {
            if (broken.contains(p) || inCycle.contains(p.id())) {
                continue;
            }
            List<String> ids = resolved.get(p);
            Map<String, Map<String, String>> aliases = new LinkedHashMap<>();
            boolean aliasError = false;
            for (Map.Entry<String, Map<Ref, String>> alias : p.aliases().entrySet()) {
                Map<String, String> perRule = new LinkedHashMap<>();
                for (Map.Entry<Ref, String> e : alias.getValue().entrySet()) {
                    Ref ref = e.getKey();
                    // The spec keys aliases by rule name while 'rules' may list ids, or the reverse: both
                    // sides are compared once resolved to ids.
                    String id = ruleIds.getOrDefault(ref.text(), correlationIds.get(ref.text()));
                    if (id == null || !ids.contains(id)) {
                        sink.error(
                                ref.at(),
                                "alias '" + alias.getKey() + "' names '" + ref.text()
                                        + "', which is not the id or name of a rule listed in this correlation's 'rules'");
                        aliasError = true;
                    } else {
                        perRule.put(id, e.getValue());
                    }
                }
                aliases.put(alias.getKey(), perRule);
            }
            if (aliasError) {
                continue;
            }
            sink.add(new CorrelationRule(
                    p.id(),
                    p.name(),
                    p.title(),
                    p.description(),
                    p.level(),
                    p.tags(),
                    p.authors(),
                    p.type(),
                    ids,
                    p.groupBy(),
                    p.timespan(),
                    p.condition(),
                    p.temporalCondition(),
                    p.fields(),
                    p.percentile(),
                    aliases,
                    p.generate(),
                    p.alertTitle(),
                    p.location()));
            if (!p.generate()) {
                Set<String> referenced = new HashSet<>(ids);
                List<Rule> rules = sink.rules();
                for (int i = 0; i < rules.size(); i++) {
                    if (referenced.contains(rules.get(i).id()) && !rules.get(i).signalOnly()) {
                        rules.set(i, rules.get(i).withSignalOnly(true));
                    }
                }
            }
        }
    }

    /** Reports each cycle among correlations once; returns the ids of every correlation on a cycle. */
    private static Set<String> findCycles(List<Pending> pending, Map<String, List<String>> edges, LoadSink sink) {
        Map<String, Pending> byId = new HashMap<>();
        pending.forEach(p -> byId.putIfAbsent(p.id(), p));
        Map<String, Integer> state = new HashMap<>(); // 1 = on the current path, 2 = done
        Set<String> inCycle = new HashSet<>();
        for (Pending p : pending) {
            List<String> path = new ArrayList<>();
            visit(p.id(), edges, state, path, inCycle, byId, sink);
        }
        return inCycle;
    }

    private static void visit(
            String id,
            Map<String, List<String>> edges,
            Map<String, Integer> state,
            List<String> path,
            Set<String> inCycle,
            Map<String, Pending> byId,
            LoadSink sink) {
        Integer s = state.get(id);
        if (s != null && s == 2) {
            return;
        }
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(id), path.size()));
            cycle.add(id);
            inCycle.addAll(cycle);
            Pending p = byId.get(id);
            sink.error(p.location(), "correlation references form a cycle: " + String.join(" -> ", cycle));
            return;
        }
        state.put(id, 1);
        path.add(id);
        for (String next : edges.getOrDefault(id, List.of())) {
            visit(next, edges, state, path, inCycle, byId, sink);
        }
        path.remove(path.size() - 1);
        state.put(id, 2);
    }
}
