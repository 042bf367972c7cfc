package dev.tripline.correlate;

import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.rule.CorrelationRule;
import dev.tripline.rule.CorrelationRule.Bound;
import dev.tripline.rule.CorrelationRule.CompareOp;
import dev.tripline.rule.CorrelationRule.Type;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleSet;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One Sigma correlation compiled for evaluation: turns rule matches into {@link Signal}s for a group and
 * advances a group's {@link CorrelationState} with {@link #step} (a signal arrived) and {@link #expire}
 * (the watermark passed a window's end). Immutable and free of Flink; every decision is driven by event time
 * given by the caller, so a Flink KeyedProcessFunction, the CLI and tests drive it the same way.
 *
 * <p>Semantics (docs/correlation.md): every signal anchors a window {@code [t, t + timespan]}. A condition
 * that can only become true as signals are added (gt/gte thresholds on counts, distinct counts and sums of
 * non-negative numbers; temporal conditions without {@code not}) fires on the arrival that proves it, whatever
 * the arrival order. Every other condition is decided when the watermark reaches the window's end. Signals of a
 * fired match are consumed; a window that closes without firing releases its anchor.
 */
public final class CorrelationPlan implements Serializable {
    private static final int MAX_TEMPORAL_RULES = 16;
    private static final String TUPLE_SEPARATOR = "\u001f";

    /** Limits per group. */
    public record Options(int maxSignalsPerRule, int maxEvidence) implements Serializable {
        public static Options defaults() {
            return new Options(1000, 20);
        }
    }

    private final CorrelationRule rule;
    private final Options options;
    private final long span;
    private final Map<String, Integer> ruleIndex = new HashMap<>();
    /** [rule index][group-by position] -> field name to read in that rule's events (aliases resolved). */
    private final String[][] groupFields;
    private final FieldPath[][] groupPaths;
    private final List<FieldPath> valuePaths;
    private final TemporalCondition.Node formula;
    private final boolean early;
    private final boolean atClose;
    private final boolean negations;
    private final boolean alert;
    /** {@link Fingerprints#of}: state made under another fingerprint is not this plan's to step. */
    private final String fingerprint;
    /** Rules that occur under a {@code not}: their signals stay as witnesses after their own window closed. */
    private final Set<Integer> negatedRules = new HashSet<>();

    private CorrelationPlan(CorrelationRule rule, RuleSet ruleSet, Options options, boolean alert) {
        this.rule = rule;
        this.options = options;
        this.fingerprint = Fingerprints.of(rule, ruleSet, options);
        this.alert = alert;
        this.span = rule.timespan().toMillis();
        List<String> rules = rule.rules();
        for (int i = 0; i < rules.size(); i++) {
            if (ruleIndex.putIfAbsent(rules.get(i), i) != null) {
                throw new IllegalArgumentException("correlation " + rule.id() + " lists rule " + rules.get(i)
                        + " twice");
            }
        }
        groupFields = new String[rules.size()][rule.groupBy().size()];
        groupPaths = new FieldPath[rules.size()][rule.groupBy().size()];
        for (int r = 0; r < rules.size(); r++) {
            for (int g = 0; g < rule.groupBy().size(); g++) {
                String field = rule.groupBy().get(g);
                Map<String, String> alias = rule.aliases().get(field);
                if (alias != null && alias.containsKey(rules.get(r))) {
                    field = alias.get(rules.get(r));
                }
                groupFields[r][g] = field;
                groupPaths[r][g] = FieldPath.of(field);
            }
        }
        valuePaths = rule.fields().stream().map(FieldPath::of).toList();
        boolean temporal = rule.type() == Type.TEMPORAL || rule.type() == Type.TEMPORAL_ORDERED;
        if (temporal && rules.size() > MAX_TEMPORAL_RULES) {
            throw new IllegalArgumentException("correlation " + rule.id() + " has more than " + MAX_TEMPORAL_RULES
                    + " rules; temporal types support at most that many");
        }
        if (temporal && rule.temporalCondition() != null) {
            formula = TemporalCondition.parse(rule.temporalCondition(), name -> indexOfName(name, ruleSet));
        } else if (temporal && rule.condition().isEmpty()) {
            TemporalCondition.Node all = new TemporalCondition.Var(0);
            for (int i = 1; i < rules.size(); i++) {
                all = new TemporalCondition.And(all, new TemporalCondition.Var(i));
            }
            formula = all;
        } else {
            formula = null;
        }
        boolean upward = rule.condition().stream().allMatch(b -> b.op() == CompareOp.GT || b.op() == CompareOp.GTE);
        negations = formula != null && TemporalCondition.hasNot(formula);
        if (negations) {
            collectNegated(formula, false, negatedRules);
        }
        switch (rule.type()) {
            case EVENT_COUNT, VALUE_COUNT -> {
                early = upward;
                atClose = !upward;
            }
            case VALUE_SUM -> {
                // a sum only grows while its numbers are non-negative; a negative one defers the decision
                early = upward;
                atClose = true;
            }
            case VALUE_AVG, VALUE_PERCENTILE, VALUE_MEDIAN -> {
                early = false;
                atClose = true;
            }
            default -> {
                boolean monotone = formula != null ? !negations : upward;
                early = monotone;
                atClose = !monotone;
            }
        }
    }

    /** Compiles {@code rule}; {@code ruleSet} resolves names used in an extended temporal condition. */
    public static CorrelationPlan compile(CorrelationRule rule, RuleSet ruleSet, Options options, boolean alert) {
        return new CorrelationPlan(rule, ruleSet, options, alert);
    }

    private Integer indexOfName(String name, RuleSet ruleSet) {
        Integer direct = ruleIndex.get(name);
        if (direct != null) {
            return direct;
        }
        Optional<String> id = ruleSet.rule(name).map(Rule::id)
                .or(() -> ruleSet.correlation(name).map(CorrelationRule::id));
        return id.map(ruleIndex::get).orElse(null);
    }

    public String id() {
        return rule.id();
    }

    public CorrelationRule rule() {
        return rule;
    }

    /** The semantic fingerprint ({@link Fingerprints}): equal across rule sets exactly when state carries over. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Ids of the rules and correlations this plan consumes. */
    public List<String> inputs() {
        return rule.rules();
    }

    // ---- signals ----

    /**
     * The signal for {@code event} matched by {@code matched}, or empty when the rule is not one of this
     * correlation's inputs, a group-by field is missing or null, the event has no time, or a value_* type's
     * field is missing (or not a number for sum/avg/percentile/median). Empty results are to be counted as
     * dropped by the caller.
     */
    public Optional<Signal> signal(Rule matched, Event event) {
        Integer r = ruleIndex.get(matched.id());
        long time = event.eventTimeMillis();
        if (r == null || time == Event.NO_TIME) {
            return Optional.empty();
        }
        Function<FieldPath, String> lookup = p -> Evidence.firstValue(event, p);
        return signal(r, matched.id(), time, valuesOrNull(Arrays.asList(groupPaths[r]), lookup), lookup,
                List.of(Evidence.of(matched, event)));
    }

    /**
     * The signal for an inner correlation that fired (chaining): its time is the inner last_seen, its group-by
     * values are read from the inner group by field name (aliases applied), its evidence is the inner
     * evidence. Empty when this plan does not consume that correlation or the inner group lacks a field.
     */
    public Optional<Signal> signal(Fired inner) {
        Integer r = ruleIndex.get(inner.correlationId());
        if (r == null) {
            return Optional.empty();
        }
        return signal(r, inner.correlationId(), inner.lastSeen(),
                valuesOrNull(Arrays.asList(groupFields[r]), inner.group()::get), p -> inner.group().get(p.text()),
                Evidence.capped(inner.evidence(), options.maxEvidence()));
    }

    /** Completes a signal from its group values (null: one was missing) and a lookup for condition.field. */
    private Optional<Signal> signal(int r, String ruleId, long time, List<String> group,
                                    Function<FieldPath, String> lookup, List<Evidence> evidence) {
        if (group == null) {
            return Optional.empty();
        }
        String value = null;
        if (!valuePaths.isEmpty()) {
            List<String> parts = valuesOrNull(valuePaths, lookup);
            value = parts == null ? null : normalizeValue(parts);
            if (value == null) {
                return Optional.empty();
            }
        }
        return Optional.of(new Signal(r, ruleId, time, group, value, evidence));
    }

    /** The value of each key, in order; null as soon as one is missing. */
    private static <K> List<String> valuesOrNull(List<K> keys, Function<K, String> lookup) {
        List<String> out = new ArrayList<>(keys.size());
        for (K k : keys) {
            String v = lookup.apply(k);
            if (v == null) {
                return null;
            }
            out.add(v);
        }
        return out;
    }

    private String normalizeValue(List<String> parts) {
        if (rule.type() == Type.VALUE_COUNT) {
            return Evidence.cut(String.join(TUPLE_SEPARATOR, parts));
        }
        try {
            BigDecimal d = new BigDecimal(parts.get(0).trim());
            return d.toPlainString().length() > 64 ? null : d.toString();
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ---- stepping ----

    /**
     * Adds {@code signal} to the group's state (null = the group has none yet) and fires whatever the signals
     * seen now prove. The signal's group must be the state's group; the caller keys by it.
     */
    public StepResult step(CorrelationState state, Signal signal) {
        if (state == null) {
            state = new CorrelationState(signal.group());
        } else if (!state.group.equals(signal.group())) {
            throw new IllegalArgumentException("signal for group " + signal.group() + " stepped into state of group "
                    + state.group);
        }
        state.insert(new CorrelationState.Entry(signal.ruleIndex(), signal.time(), signal.value(),
                List.copyOf(signal.evidence()), false));
        int evicted = enforceLimit(state, signal.ruleIndex());
        List<Fired> fired = new ArrayList<>(1);
        if (early) {
            fireEarly(state, fired);
        }
        return result(state, fired, evicted);
    }

    /**
     * Closes every window that ends at or before {@code watermark} (a window {@code [t, t + timespan]} is
     * complete once no event with time at or below its end can still arrive), deciding at-close conditions,
     * and drops what no open window needs.
     */
    public StepResult expire(CorrelationState state, long watermark) {
        if (state == null) {
            return new StepResult(null, List.of(), Long.MAX_VALUE, 0);
        }
        List<Fired> fired = new ArrayList<>(1);
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int i = 0; i < state.entries.size(); i++) {
                CorrelationState.Entry anchor = state.entries.get(i);
                if (anchor.closed) {
                    continue;
                }
                if (end(anchor.time) > watermark) {
                    break;
                }
                Match m = null;
                if (atClose) {
                    m = evaluate(state, i, false);
                }
                if (m != null) {
                    fired.add(consume(state, m));
                } else if (negations && formulaNegates(anchor.rule)) {
                    anchor.closed = true;
                } else {
                    state.entries.remove(i);
                }
                progress = true;
                break;
            }
        }
        // Witnesses for `not` terms are kept one more timespan: anchors up to t + span look back to t.
        state.entries.removeIf(e -> e.closed && end(end(e.time)) <= watermark);
        return result(state, fired, 0);
    }

    private long end(long t) {
        return t > Long.MAX_VALUE - span ? Long.MAX_VALUE : t + span;
    }

    private boolean formulaNegates(int ruleIdx) {
        return negatedRules.contains(ruleIdx);
    }

    private static void collectNegated(TemporalCondition.Node n, boolean under, Set<Integer> out) {
        if (n instanceof TemporalCondition.Var v) {
            if (under) {
                out.add(v.rule());
            }
        } else if (n instanceof TemporalCondition.Not not) {
            collectNegated(not.child(), !under, out);
        } else if (n instanceof TemporalCondition.And a) {
            collectNegated(a.left(), under, out);
            collectNegated(a.right(), under, out);
        } else if (n instanceof TemporalCondition.Or o) {
            collectNegated(o.left(), under, out);
            collectNegated(o.right(), under, out);
        }
    }

    private StepResult result(CorrelationState state, List<Fired> fired, int evicted) {
        if (state.isEmpty()) {
            return new StepResult(null, fired, Long.MAX_VALUE, evicted);
        }
        long next = Long.MAX_VALUE;
        for (CorrelationState.Entry e : state.entries) {
            next = Math.min(next, e.closed ? end(end(e.time)) : end(e.time));
        }
        return new StepResult(state, fired, next, evicted);
    }

    private int enforceLimit(CorrelationState state, int ruleIdx) {
        int count = 0;
        for (CorrelationState.Entry e : state.entries) {
            if (e.rule == ruleIdx) {
                count++;
            }
        }
        int evicted = 0;
        for (int i = 0; i < state.entries.size() && count > options.maxSignalsPerRule(); ) {
            if (state.entries.get(i).rule == ruleIdx) {
                state.entries.remove(i);
                count--;
                evicted++;
            } else {
                i++;
            }
        }
        return evicted;
    }

    private void fireEarly(CorrelationState state, List<Fired> fired) {
        boolean again = true;
        while (again) {
            again = false;
            for (int i = 0; i < state.entries.size(); i++) {
                if (state.entries.get(i).closed) {
                    continue;
                }
                Match m = evaluate(state, i, true);
                if (m != null) {
                    fired.add(consume(state, m));
                    again = !state.isEmpty();
                    break;
                }
            }
        }
    }

    /** A proven match: the signals it uses and the range of state it consumes. */
    private record Match(long from, long to, List<CorrelationState.Entry> used, BigDecimal value) {
    }

    /**
     * Decides the window anchored at entry {@code a}. {@code arriving}: only conditions that more signals cannot
     * falsify may fire (a sum with a negative number waits for the close).
     */
    private Match evaluate(CorrelationState state, int a, boolean arriving) {
        long from = state.entries.get(a).time;
        long to = end(from);
        List<CorrelationState.Entry> window = new ArrayList<>();
        int start = a;
        while (start > 0 && state.entries.get(start - 1).time == from) {
            start--; // the window is a time range: signals at the same instant that arrived earlier belong to it
        }
        for (int i = start; i < state.entries.size(); i++) {
            CorrelationState.Entry e = state.entries.get(i);
            if (e.time > to) {
                break;
            }
            if (!e.closed) {
                window.add(e);
            }
        }
        return switch (rule.type()) {
            case TEMPORAL, TEMPORAL_ORDERED -> temporal(state, window, from, to);
            default -> aggregate(window, from, arriving);
        };
    }

    private Match aggregate(List<CorrelationState.Entry> window, long from, boolean arriving) {
        BigDecimal value;
        switch (rule.type()) {
            case EVENT_COUNT -> value = BigDecimal.valueOf(window.size());
            case VALUE_COUNT -> {
                Set<String> distinct = new HashSet<>();
                window.forEach(e -> distinct.add(e.value));
                value = BigDecimal.valueOf(distinct.size());
            }
            default -> {
                BigDecimal[] numbers = new BigDecimal[window.size()];
                boolean negative = false;
                for (int i = 0; i < numbers.length; i++) {
                    numbers[i] = new BigDecimal(window.get(i).value);
                    negative |= numbers[i].signum() < 0;
                }
                if (arriving && negative) {
                    return null;
                }
                value = numeric(numbers);
                if (value == null) {
                    return null;
                }
            }
        }
        for (Bound b : rule.condition()) {
            if (!b.holds(value)) {
                return null;
            }
        }
        return new Match(from, window.get(window.size() - 1).time, window, value);
    }

    private BigDecimal numeric(BigDecimal[] numbers) {
        if (numbers.length == 0) {
            return null;
        }
        BigDecimal sum = BigDecimal.ZERO;
        for (BigDecimal n : numbers) {
            sum = sum.add(n);
        }
        return switch (rule.type()) {
            case VALUE_SUM -> sum;
            case VALUE_AVG -> sum.divide(BigDecimal.valueOf(numbers.length), java.math.MathContext.DECIMAL64);
            default -> percentile(numbers, rule.percentile() == null ? 50.0 : rule.percentile());
        };
    }

    /** Linear interpolation between closest ranks (numpy's default, as rsigma does). */
    static BigDecimal percentile(BigDecimal[] numbers, double p) {
        BigDecimal[] sorted = numbers.clone();
        Arrays.sort(sorted);
        double rank = p / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        if (lo == hi) {
            return sorted[lo];
        }
        BigDecimal fraction = BigDecimal.valueOf(rank - lo);
        return sorted[lo].add(sorted[hi].subtract(sorted[lo]).multiply(fraction));
    }

    private Match temporal(CorrelationState state, List<CorrelationState.Entry> window, long from, long to) {
        int n = rule.rules().size();
        int present = 0;
        for (CorrelationState.Entry e : window) {
            present |= 1 << e.rule;
        }
        int around = 0;
        if (negations) {
            long lookBack = from - span;
            for (CorrelationState.Entry e : state.entries) {
                if (e.time >= lookBack && e.time <= to) {
                    around |= 1 << e.rule;
                }
            }
        }
        final int aroundMask = around;
        List<CorrelationState.Entry> best = null;
        int bestCount = -1;
        // Subsets of the rules present, the full set first, so the evidence names as many rules as it can.
        for (int s = present; ; s = (s - 1) & present) {
            final int subset = s;
            List<CorrelationState.Entry> chain = chain(window, subset, from, n);
            if (chain != null) {
                if (formula != null) {
                    boolean ok = TemporalCondition.eval(formula, new TemporalCondition.Assignment() {
                        @Override
                        public boolean positive(int rule) {
                            return (subset & (1 << rule)) != 0;
                        }

                        @Override
                        public boolean negative(int rule) {
                            return (aroundMask & (1 << rule)) != 0;
                        }
                    }, false);
                    if (ok && !chain.isEmpty()) {
                        return new Match(from, chain.get(chain.size() - 1).time, chain,
                                BigDecimal.valueOf(chain.size()));
                    }
                } else if (chain.size() > bestCount) {
                    best = chain;
                    bestCount = chain.size();
                }
            }
            if (s == 0) {
                break;
            }
        }
        if (formula != null || best == null || best.isEmpty()) {
            return null;
        }
        BigDecimal count = BigDecimal.valueOf(bestCount);
        for (Bound b : rule.condition()) {
            if (!b.holds(count)) {
                return null;
            }
        }
        return new Match(from, best.get(best.size() - 1).time, best, count);
    }

    /**
     * One signal per rule in {@code subset} inside the window; for temporal_ordered in list order with
     * non-decreasing times (greedy earliest choice, which finds a chain whenever one exists). Null if none.
     */
    private List<CorrelationState.Entry> chain(List<CorrelationState.Entry> window, int subset, long from, int n) {
        List<CorrelationState.Entry> out = new ArrayList<>(Integer.bitCount(subset));
        boolean ordered = rule.type() == Type.TEMPORAL_ORDERED;
        long cursor = from;
        for (int r = 0; r < n; r++) {
            if ((subset & (1 << r)) == 0) {
                continue;
            }
            CorrelationState.Entry pick = null;
            for (CorrelationState.Entry e : window) {
                if (e.rule == r && (!ordered || e.time >= cursor)) {
                    pick = e;
                    break;
                }
            }
            if (pick == null) {
                return null;
            }
            out.add(pick);
            if (ordered) {
                cursor = pick.time;
            }
        }
        out.sort((x, y) -> Long.compare(x.time, y.time));
        return out;
    }

    /** Removes the match's signals and every open signal in its time range, and builds the result. */
    private Fired consume(CorrelationState state, Match m) {
        Set<CorrelationState.Entry> used = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        used.addAll(m.used());
        state.entries.removeIf(e -> used.contains(e) || (!e.closed && e.time >= m.from() && e.time <= m.to()));
        List<Evidence> evidence = new ArrayList<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (CorrelationState.Entry e : m.used()) {
            first = Math.min(first, e.time);
            last = Math.max(last, e.time);
            for (Evidence ev : e.evidence) {
                if (evidence.size() < options.maxEvidence()) {
                    evidence.add(ev);
                }
            }
        }
        Map<String, String> group = new LinkedHashMap<>();
        for (int g = 0; g < rule.groupBy().size(); g++) {
            group.put(rule.groupBy().get(g), state.group.get(g));
        }
        return new Fired(rule.id(), rule.title(), rule.level(), rule.type(), group, first, last, m.used().size(),
                m.value(), evidence, alert);
    }
}
