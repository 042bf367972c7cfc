package dev.tripline.correlate;

import dev.tripline.event.Event;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.CorrelationRule.Type;
import dev.tripline.rule.RuleSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Why a correlation fired or not over a list of events: the events are run in order through the compiled matcher
 * and the engine (as {@link CorrelationTestRunner} does, watermark at the end of time), and for each group of the
 * correlation it lists the signals (rule, event id, time), what fired with the rule behind each evidence event,
 * and for a group that did not fire, the windows considered and what each lacked: a missing step, the steps in
 * the wrong order, an absent step that occurred, a condition not met. Signals dropped for a missing group-by
 * field are counted. Keeps nothing between calls.
 */
public final class CorrelationExplanation {
    private CorrelationExplanation() {}

    /** One signal of the explained correlation, as recorded on arrival. */
    private record Seen(Signal signal, String eventId) {}

    /** Explains {@code correlationId} (id or name) over {@code events}; empty when no such correlation exists. */
    public static Optional<String> explain(
            RuleSet rules, CompiledMatcher matcher, String correlationId, List<Event> events) {
        Optional<CorrelationRule> found = rules.correlation(correlationId);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        CorrelationRule c = found.get();
        CorrelationEngine engine = CorrelationEngine.compile(CorrelationTestRunner.everyCorrelationEnabled(rules));
        CorrelationPlan plan = engine.plan(c.id());
        StringBuilder out = new StringBuilder();
        out.append("correlation ")
                .append(c.id())
                .append(" (")
                .append(c.title())
                .append("): ")
                .append(c.type().name().toLowerCase(java.util.Locale.ROOT))
                .append(" over ")
                .append(c.rules())
                .append(", group-by ")
                .append(c.groupBy())
                .append(", timespan ")
                .append(c.timespan().toMinutes())
                .append("m");
        if (!c.absent().isEmpty()) {
            out.append(", absent ").append(c.absent());
        }
        if (!c.minCounts().isEmpty()) {
            out.append(", at least ").append(c.minCounts());
        }
        out.append('\n');
        if (plan == null) {
            engine.errors().forEach(e -> out.append("  cannot run: ").append(e).append('\n'));
            return Optional.of(out.toString());
        }
        MapCorrelator correlator = new MapCorrelator(engine);
        Map<List<String>, List<Seen>> byGroup = new LinkedHashMap<>();
        List<Fired> fired = new ArrayList<>();
        int[] dropped = {0};
        for (Event event : events) {
            matcher.match(event, rule -> {
                if (!engine.isInput(rule.id())) {
                    return;
                }
                if (plan.inputs().contains(rule.id())) {
                    CorrelationPlan.Signals s = plan.signals(rule, event);
                    if (s.isEmpty()) {
                        dropped[0]++;
                    }
                    for (Signal one : s.signals()) {
                        byGroup.computeIfAbsent(one.group(), k -> new ArrayList<>())
                                .add(new Seen(one, one.evidence().get(0).eventId()));
                    }
                }
                for (Fired f : correlator.onMatch(rule, event)) {
                    fired.add(f);
                    plan.signal(f)
                            .ifPresent(s -> byGroup.computeIfAbsent(s.group(), k -> new ArrayList<>())
                                    .add(new Seen(s, "(firing of " + f.correlationId() + ")")));
                }
            });
        }
        fired.addAll(correlator.advanceWatermark(Long.MAX_VALUE));
        out.append(events.size())
                .append(" events, ")
                .append(byGroup.values().stream().mapToInt(List::size).sum())
                .append(" signals in ")
                .append(byGroup.size())
                .append(" groups");
        if (dropped[0] > 0) {
            out.append(", ").append(dropped[0]).append(" matches dropped (a group-by or value field missing)");
        }
        out.append('\n');
        for (Map.Entry<List<String>, List<Seen>> g : byGroup.entrySet()) {
            group(out, c, g.getKey(), g.getValue(), fired);
        }
        return Optional.of(out.toString());
    }

    private static void group(
            StringBuilder out, CorrelationRule c, List<String> group, List<Seen> seen, List<Fired> all) {
        Map<String, String> named = new LinkedHashMap<>();
        for (int i = 0; i < c.groupBy().size(); i++) {
            named.put(c.groupBy().get(i), group.get(i));
        }
        out.append("\ngroup ").append(named).append('\n');
        List<Seen> sorted = new ArrayList<>(seen);
        sorted.sort((a, b) -> Long.compare(a.signal().time(), b.signal().time()));
        out.append("  signals (event time order):\n");
        for (Seen s : sorted) {
            out.append("    ")
                    .append(Instant.ofEpochMilli(s.signal().time()))
                    .append("  ")
                    .append(s.signal().ruleId())
                    .append("  event ")
                    .append(s.eventId())
                    .append(
                            s.signal().value() == null
                                    ? ""
                                    : "  value " + s.signal().value())
                    .append(c.absent().contains(s.signal().ruleId()) ? "  (absent step)" : "")
                    .append('\n');
        }
        List<Fired> mine = all.stream()
                .filter(f -> f.correlationId().equals(c.id()) && f.group().equals(named))
                .toList();
        for (Fired f : mine) {
            out.append("  FIRED: ")
                    .append(CorrelationTestRunner.describe(f))
                    .append(f.alert() ? "" : " [feeds an outer correlation, no alert of its own]")
                    .append('\n');
            for (Evidence e : f.evidence()) {
                out.append("    evidence ")
                        .append(e.eventId())
                        .append(" at ")
                        .append(Instant.ofEpochMilli(e.eventTimeMillis()))
                        .append(" matched rule ")
                        .append(e.ruleId())
                        .append('\n');
            }
        }
        if (mine.isEmpty()) {
            out.append("  NOT FIRED: ").append(whyNot(c, sorted)).append('\n');
            windows(out, c, sorted);
        }
    }

    /** The group's verdict in a line, from its signals as a whole. */
    private static String whyNot(CorrelationRule c, List<Seen> seen) {
        boolean temporal = c.type() == Type.TEMPORAL || c.type() == Type.TEMPORAL_ORDERED;
        if (!temporal) {
            return "condition " + condition(c) + " not met in any window (see the windows below)";
        }
        Set<String> present = new TreeSet<>();
        seen.forEach(s -> present.add(s.signal().ruleId()));
        List<String> missing = new ArrayList<>();
        for (String r : c.rules()) {
            if (!c.absent().contains(r) && !present.contains(r)) {
                missing.add(r);
            }
        }
        if (!missing.isEmpty() && c.temporalCondition() == null && c.condition().isEmpty()) {
            return "missing step " + String.join(", ", missing) + ": no signal of it in this group at all";
        }
        return "every step occurred in the group, but no window held them all as required (see the windows below)";
    }

    /** Each window considered: anchored at a signal, what it held and what it lacked. */
    private static void windows(StringBuilder out, CorrelationRule c, List<Seen> seen) {
        long span = c.timespan().toMillis();
        boolean temporal = c.type() == Type.TEMPORAL || c.type() == Type.TEMPORAL_ORDERED;
        Set<Long> anchors = new TreeSet<>();
        seen.forEach(s -> anchors.add(s.signal().time()));
        out.append("  windows considered (each [signal, signal + timespan]):\n");
        for (long from : anchors) {
            long to = from + span;
            Map<String, Integer> counts = new TreeMap<>();
            Set<String> values = new TreeSet<>();
            List<String> order = new ArrayList<>();
            for (Seen s : seen) {
                long t = s.signal().time();
                if (t >= from && t <= to) {
                    counts.merge(s.signal().ruleId(), 1, Integer::sum);
                    if (s.signal().value() != null) {
                        values.add(s.signal().value());
                    }
                    order.add(s.signal().ruleId());
                }
            }
            out.append("    ").append(Instant.ofEpochMilli(from)).append(" .. ").append(Instant.ofEpochMilli(to));
            out.append("  holds ").append(counts).append(": ");
            if (!temporal) {
                long n = counts.values().stream().mapToLong(Integer::longValue).sum();
                out.append(c.type() == Type.VALUE_COUNT ? values.size() + " distinct values" : n + " signals")
                        .append(", condition ")
                        .append(condition(c));
            } else {
                out.append(temporalVerdict(c, counts, order, seen, from, to));
            }
            out.append('\n');
        }
    }

    private static String temporalVerdict(
            CorrelationRule c, Map<String, Integer> counts, List<String> order, List<Seen> seen, long from, long to) {
        List<String> lacking = new ArrayList<>();
        for (String r : c.rules()) {
            if (c.absent().contains(r)) {
                continue;
            }
            int need = c.minCounts().getOrDefault(r, 1);
            int has = counts.getOrDefault(r, 0);
            if (has < need) {
                lacking.add(r + (need > 1 ? " (" + has + " of " + need + ")" : ""));
            }
        }
        List<String> vetoes = new ArrayList<>();
        long span = to - from;
        for (Seen s : seen) {
            if (c.absent().contains(s.signal().ruleId())
                    && s.signal().time() >= from - span
                    && s.signal().time() <= to) {
                vetoes.add(s.signal().ruleId() + " at "
                        + Instant.ofEpochMilli(s.signal().time()));
            }
        }
        if (c.temporalCondition() != null || !c.condition().isEmpty()) {
            return "condition " + (c.temporalCondition() != null ? c.temporalCondition() : condition(c))
                    + " decided on these";
        }
        if (!lacking.isEmpty()) {
            return "missing step " + String.join(", ", lacking) + " (outside the timespan or absent)";
        }
        if (!vetoes.isEmpty()) {
            return "an absent step occurred: " + String.join(", ", vetoes);
        }
        if (c.type() == Type.TEMPORAL_ORDERED) {
            return "every step present, but not in the order " + c.rules() + " (arrived in time order " + order + ")";
        }
        return "every step present; its signals were used by an earlier match or the window was decided before "
                + "they arrived (late)";
    }

    private static String condition(CorrelationRule c) {
        if (c.condition().isEmpty()) {
            return "(none)";
        }
        List<String> parts = new ArrayList<>();
        c.condition()
                .forEach(b -> parts.add(b.op().name().toLowerCase(java.util.Locale.ROOT) + " "
                        + b.value().toPlainString()));
        return String.join(" and ", parts);
    }
}
