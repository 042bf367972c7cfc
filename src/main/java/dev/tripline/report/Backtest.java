package dev.tripline.report;

import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/**
 * A backtest: the alerts a hunt is expected to raise, per rule and optionally per group of a rule, compared with
 * the alerts it raised. The expectation file:
 *
 * <pre>
 * rules:                                   # new alerts per rule id (updates of an alert are not counted)
 *   tripline-flagship-region-then-resources: 6
 *   aws-cloudtrail-stopped: 0              # must stay silent
 * groups:                                  # optional: per group, as "field=value,…" in the alert's group order
 *   tripline-flagship-region-then-resources:
 *     "account=123837392027,principal=planted-0": 1
 * </pre>
 *
 * Rules the file does not name are not checked.
 */
public final class Backtest {
    private static final Set<String> KEYS = Set.of("rules", "groups");

    /** The expected counts: per rule id, and per rule id and group key. */
    public record Expectation(Map<String, Long> rules, Map<String, Map<String, Long>> groups) {}

    /** One expected count against the hunt's; {@code group} null for a rule's total. */
    public record Check(String rule, String group, long expected, long actual) {
        public boolean passed() {
            return expected == actual;
        }

        /** "rule: expected 6 alerts, got 5" or "rule [group]: …". */
        public String describe() {
            return rule + (group == null ? "" : " [" + group + "]") + ": expected " + expected + " alert"
                    + (expected == 1 ? "" : "s") + ", got " + actual;
        }
    }

    /** Every check, in the file's order. */
    public record Verdict(List<Check> checks) {
        public Verdict {
            checks = List.copyOf(checks);
        }

        public List<Check> differences() {
            return checks.stream().filter(c -> !c.passed()).toList();
        }

        public boolean passed() {
            return differences().isEmpty();
        }
    }

    private Backtest() {}

    /**
     * Reads an expectation file's text; every problem (syntax, unknown key, a count that is not a whole number, a
     * rule id not in {@code knownRules}) is reported at file:line:col.
     *
     * @throws ExpectationException when there is any problem
     */
    public static Expectation parse(String file, String text, Set<String> knownRules) throws ExpectationException {
        SafeYaml.Parsed parsed = SafeYaml.parseAll(file, text);
        List<LoadError> errors = new ArrayList<>(parsed.errors());
        Map<String, Long> rules = new LinkedHashMap<>();
        Map<String, Map<String, Long>> groups = new LinkedHashMap<>();
        if (errors.isEmpty() && !parsed.documents().isEmpty()) {
            try {
                YamlMap top = SafeYaml.map(file, parsed.documents().get(0), "the expectation file");
                for (String k : top.keys()) {
                    if (!KEYS.contains(k)) {
                        errors.add(new LoadError(top.keyLocation(k), "unknown key '" + k + "' (known: groups, rules)"));
                    }
                }
                if (top.has("rules")) {
                    YamlMap r = SafeYaml.map(file, top.get("rules"), "'rules'");
                    for (Map.Entry<String, NodeTuple> e : r.entries().entrySet()) {
                        Long n = count(file, e.getValue().getValueNode(), "rules." + e.getKey(), errors);
                        if (known(r, e.getKey(), knownRules, errors) && n != null) {
                            rules.put(e.getKey(), n);
                        }
                    }
                }
                if (top.has("groups")) {
                    YamlMap g = SafeYaml.map(file, top.get("groups"), "'groups'");
                    for (Map.Entry<String, NodeTuple> e : g.entries().entrySet()) {
                        boolean known = known(g, e.getKey(), knownRules, errors);
                        YamlMap perGroup = SafeYaml.map(file, e.getValue().getValueNode(), "groups." + e.getKey());
                        Map<String, Long> counts = new LinkedHashMap<>();
                        for (Map.Entry<String, NodeTuple> ge :
                                perGroup.entries().entrySet()) {
                            Long n = count(
                                    file,
                                    ge.getValue().getValueNode(),
                                    "groups." + e.getKey() + "." + ge.getKey(),
                                    errors);
                            if (n != null) {
                                counts.put(ge.getKey(), n);
                            }
                        }
                        if (known) {
                            groups.put(e.getKey(), counts);
                        }
                    }
                }
            } catch (RuleSyntaxException e) {
                errors.add(e.toLoadError());
            }
        }
        if (!errors.isEmpty()) {
            throw new ExpectationException(errors);
        }
        if (rules.isEmpty() && groups.isEmpty()) {
            throw new ExpectationException(List.of(new LoadError(
                    dev.tripline.rule.SourceLocation.ofFile(file),
                    "expects nothing: give 'rules:' with a count per rule id (and optionally 'groups:')")));
        }
        return new Expectation(rules, groups);
    }

    private static boolean known(YamlMap m, String rule, Set<String> knownRules, List<LoadError> errors) {
        if (knownRules.contains(rule)) {
            return true;
        }
        errors.add(new LoadError(m.keyLocation(rule), "'" + rule + "' is not the id of a loaded rule or correlation"));
        return false;
    }

    private static Long count(String file, Node node, String key, List<LoadError> errors) {
        String text;
        try {
            text = SafeYaml.scalar(file, node, key);
        } catch (RuleSyntaxException e) {
            errors.add(e.toLoadError());
            return null;
        }
        try {
            long n = Long.parseLong(text.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.add(new LoadError(SafeYaml.at(file, node), key + ": '" + text + "' is not a count (0 or more)"));
        return null;
    }

    /** Compares the hunt's counts with the expectation. */
    public static Verdict compare(Expectation expected, HuntResults actual) {
        List<Check> checks = new ArrayList<>();
        expected.rules()
                .forEach((rule, n) ->
                        checks.add(new Check(rule, null, n, actual.byRule().getOrDefault(rule, 0L))));
        expected.groups().forEach((rule, perGroup) -> {
            Map<String, Long> got = actual.byRuleGroup().getOrDefault(rule, Map.of());
            perGroup.forEach((group, n) -> checks.add(new Check(rule, group, n, got.getOrDefault(group, 0L))));
        });
        return new Verdict(checks);
    }

    /** An expectation file with problems, each at file:line:col. */
    public static final class ExpectationException extends Exception {
        private final List<LoadError> errors;

        public ExpectationException(List<LoadError> errors) {
            super(errors.stream()
                    .map(String::valueOf)
                    .reduce((a, b) -> a + "\n" + b)
                    .orElse(""));
            this.errors = List.copyOf(errors);
        }

        public List<LoadError> errors() {
            return errors;
        }
    }
}
