package dev.tripline.correlate;

import dev.tripline.bytes.BlockInput;
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
public final class CorrelationPlan implements Serializable, Cloneable {
    private static final int MAX_TEMPORAL_RULES = 16;
    /**
     * new_terms: the most term combinations one event gives (Elastic evaluates at most 100 per document); the
     * rest are cut and counted ({@link Signals#combinationsCut}).
     */
    public static final int MAX_TERM_COMBINATIONS = 100;

    private static final String TUPLE_SEPARATOR = "\u001f";

    /**
     * Limits per group: {@code maxSignalsPerRule} slots of one rule (a slot stands for every signal of the rule at
     * one instant, with one value for the value types; one-second timestamps give 3,600 an hour), and
     * {@code maxEvidence} evidence records per slot and per result.
     */
    public record Options(int maxSignalsPerRule, int maxEvidence, long newTermsHistoryStart) implements Serializable {
        /**
         * {@code newTermsHistoryStart}: the event time from which a job has seen its input, in epoch millis. A
         * new_terms plan learns for one history window from it: a term first seen before it plus the window is not
         * new to the job but unknown to it, and is counted as learned instead of alerting. {@link Long#MIN_VALUE}:
         * what the plan was fed is the whole history (tests, {@code rules test}); {@link Long#MAX_VALUE}: the
         * start is unknown, so new_terms plans only learn. Not in the fingerprint: it changes no state's meaning.
         */
        public Options(int maxSignalsPerRule, int maxEvidence) {
            this(maxSignalsPerRule, maxEvidence, Long.MIN_VALUE);
        }

        public static Options defaults() {
            return new Options(10_000, 20);
        }

        public Options withNewTermsHistoryStart(long millis) {
            return new Options(maxSignalsPerRule, maxEvidence, millis);
        }
    }

    private final CorrelationRule rule;
    /** Not final only for {@link #withNewTermsHistoryStart}, which sets it on a fresh copy. */
    private Options options;

    private final long span;
    private final Map<String, Integer> ruleIndex = new HashMap<>();
    /** [rule index][group-by position] -> field name to read in that rule's events (aliases resolved). */
    private final String[][] groupFields;

    private final FieldPath[][] groupPaths;
    private final List<FieldPath> valuePaths;

    private final TemporalCondition.Node formula;
    /** When {@link #formula} only requires rules (a conjunction of them, as a plain sequence is): their bit mask; else -1. */
    private final int requiredMask;

    private final boolean early;
    private final boolean atClose;
    private final boolean negations;
    private final boolean alert;
    /** Temporal types: a slot per rule and instant, found and folded by its key alone. */
    private final boolean temporal;
    /** temporal_ordered needing every listed rule in order: later steps without a partner can be dropped. */
    private final boolean ordersEveryRule;
    /** [rule index] -> the rule's output field names, the likely keys of its evidence fields. */
    private final List<String>[] fieldNames;
    /** {@link Fingerprints#of}: state made under another fingerprint is not this plan's to step. */
    private final String fingerprint;
    /** Rules that occur under a {@code not}: their signals stay as witnesses after their own window closed. */
    private final Set<Integer> negatedRules = new HashSet<>();
    /** Bit mask of the rules that must not occur ({@link CorrelationRule#absent()}). */
    private final int absentMask;
    /** temporal_ordered with absent steps: each absence is checked between its neighbouring steps. */
    private final boolean orderedAbsence;
    /** [rule index] -> signals the rule needs in a window ({@link CorrelationRule#minCounts()}; 1 by default). */
    private final long[] minCounts;
    /** A temporal plan with a minimum above one: signals at one instant are counted in their slot, not folded. */
    private final boolean counts;
    /** new_terms: a slot per sighting instant of the group's terms, decided in time order ({@link #stepTerms}). */
    private final boolean newTerms;
    /**
     * new_terms: sightings before this event time are learned, not alerted (history start plus one window). Not
     * final only for {@link #withNewTermsHistoryStart}, which sets it on a fresh copy.
     */
    private long learnedBy;
    /**
     * [rule index] -> the template of the signals of the rule object that last matched ({@link #signalTemplate});
     * made on a rule's first match. Not part of the plan's value: a copy or a deserialized plan makes its own.
     */
    private transient SignalTemplate[] templates;

    private CorrelationPlan(CorrelationRule rule, RuleSet ruleSet, Options options, boolean alert) {
        this.rule = rule;
        this.options = options;
        this.fingerprint = Fingerprints.of(rule, ruleSet, options);
        this.alert = alert;
        this.span = rule.timespan().toMillis();
        List<String> rules = rule.rules();
        for (int i = 0; i < rules.size(); i++) {
            if (ruleIndex.putIfAbsent(rules.get(i), i) != null) {
                throw new IllegalArgumentException(
                        "correlation " + rule.id() + " lists rule " + rules.get(i) + " twice");
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
        temporal = rule.type() == Type.TEMPORAL || rule.type() == Type.TEMPORAL_ORDERED;
        ordersEveryRule = rule.type() == Type.TEMPORAL_ORDERED
                && rule.temporalCondition() == null
                && rule.condition().isEmpty()
                && rule.absent().isEmpty();
        @SuppressWarnings("unchecked")
        List<String>[] names = new List[rules.size()];
        for (int r = 0; r < rules.size(); r++) {
            names[r] = ruleSet.rule(rules.get(r))
                    .map(x -> x.outputFields().stream().map(FieldPath::text).toList())
                    .orElse(List.of());
        }
        fieldNames = names;
        if (temporal && rules.size() > MAX_TEMPORAL_RULES) {
            throw new IllegalArgumentException("correlation " + rule.id() + " has more than " + MAX_TEMPORAL_RULES
                    + " rules; temporal types support at most that many");
        }
        absentMask = absentMask(rule, rules);
        minCounts = minCounts(rule, rules);
        counts = Arrays.stream(minCounts).anyMatch(m -> m > 1);
        newTerms = rule.type() == Type.NEW_TERMS;
        if (newTerms
                && (rules.size() != 1
                        || !rule.condition().isEmpty()
                        || !rule.fields().isEmpty()
                        || rule.temporalCondition() != null)) {
            throw new IllegalArgumentException("new_terms takes exactly one rule, without a condition or value field");
        }
        learnedBy = learnedBy(options.newTermsHistoryStart());
        orderedAbsence = absentMask != 0 && rule.type() == Type.TEMPORAL_ORDERED;
        if (temporal && rule.temporalCondition() != null) {
            formula = TemporalCondition.parse(rule.temporalCondition(), name -> indexOfName(name, ruleSet));
        } else if (temporal && rule.condition().isEmpty()) {
            // Every rule that must occur, and (unordered) no signal of an absent rule around the window; ordered
            // absences are checked between their neighbouring steps instead (absenceHolds).
            TemporalCondition.Node all = null;
            for (int i = 0; i < rules.size(); i++) {
                boolean absent = (absentMask & (1 << i)) != 0;
                if (absent && orderedAbsence) {
                    continue;
                }
                TemporalCondition.Node term = new TemporalCondition.Var(i);
                if (absent) {
                    term = new TemporalCondition.Not(term);
                }
                all = all == null ? term : new TemporalCondition.And(all, term);
            }
            formula = all;
        } else {
            formula = null;
        }
        requiredMask = formula == null ? -1 : conjunctionMask(formula);
        boolean upward = rule.condition().stream().allMatch(b -> b.op() == CompareOp.GT || b.op() == CompareOp.GTE);
        negations = absentMask != 0 || (formula != null && TemporalCondition.hasNot(formula));
        if (formula != null) {
            collectNegated(formula, false, negatedRules);
        }
        for (int i = 0; i < rules.size(); i++) {
            if ((absentMask & (1 << i)) != 0) {
                negatedRules.add(i);
            }
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
            case VALUE_AVG, VALUE_PERCENTILE, VALUE_MEDIAN, NEW_TERMS -> {
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

    /** The rules a formula of only {@code and} and rule names requires, as a bit mask; -1 for any other formula. */
    private static int conjunctionMask(TemporalCondition.Node n) {
        if (n instanceof TemporalCondition.Var v) {
            return 1 << v.rule();
        }
        if (n instanceof TemporalCondition.And a) {
            int left = conjunctionMask(a.left());
            int right = conjunctionMask(a.right());
            return left < 0 || right < 0 ? -1 : left | right;
        }
        return -1;
    }

    /**
     * The bit mask of the absent rules; checks that only temporal types without a condition of their own have
     * them, and that some rule must still occur (a match needs a signal to anchor its window).
     */
    private static int absentMask(CorrelationRule rule, List<String> rules) {
        int mask = 0;
        for (String id : rule.absent()) {
            int i = rules.indexOf(id);
            if (i < 0) {
                throw new IllegalArgumentException("absent rule " + id + " is not one of the correlation's rules");
            }
            mask |= 1 << i;
        }
        if (mask == 0) {
            return 0;
        }
        if (rule.type() != Type.TEMPORAL && rule.type() != Type.TEMPORAL_ORDERED) {
            throw new IllegalArgumentException("absent rules need a temporal or temporal_ordered correlation");
        }
        if (rule.temporalCondition() != null || !rule.condition().isEmpty()) {
            throw new IllegalArgumentException(
                    "absent rules cannot be combined with a condition; write 'not' in the temporal condition");
        }
        if (Integer.bitCount(mask) == rules.size()) {
            throw new IllegalArgumentException("every rule is absent; at least one must occur");
        }
        return mask;
    }

    private static long[] minCounts(CorrelationRule rule, List<String> rules) {
        long[] out = new long[rules.size()];
        Arrays.fill(out, 1);
        for (Map.Entry<String, Integer> e : rule.minCounts().entrySet()) {
            int i = rules.indexOf(e.getKey());
            if (i < 0) {
                throw new IllegalArgumentException(
                        "minimum count for " + e.getKey() + ", which is not one of the correlation's rules");
            }
            if (e.getValue() < 1) {
                throw new IllegalArgumentException("minimum count for " + e.getKey() + " must be at least 1");
            }
            if (e.getValue() > 1 && rule.type() != Type.TEMPORAL && rule.type() != Type.TEMPORAL_ORDERED) {
                throw new IllegalArgumentException("minimum counts per rule need a temporal type");
            }
            out[i] = e.getValue();
        }
        return out;
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
        Optional<String> id = ruleSet.rule(name)
                .map(Rule::id)
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

    /** The limits this plan was compiled with. */
    public Options options() {
        return options;
    }

    /** Ids of the rules and correlations this plan consumes. */
    public List<String> inputs() {
        return rule.rules();
    }

    /** False when the correlation only feeds an outer one (referenced without generate): it raises no alert. */
    public boolean alerts() {
        return alert;
    }

    /**
     * True for a temporal_ordered plan that needs every one of its rules, in order (no condition, no extended
     * temporal condition, no absent step): it can fire in a group only after a signal of its first rule there.
     */
    public boolean requiresEveryRuleInOrder() {
        return ordersEveryRule;
    }

    /** True for Elastic's new_terms type, whose state is the terms seen ({@link #seenTerm}). */
    public boolean isNewTerms() {
        return newTerms;
    }

    /**
     * This plan with its new_terms history starting at {@code start} (epoch millis) instead: the same correlation,
     * fingerprint and state, only the time before which a new term is learned rather than alerted moves. The
     * correlate operator uses it for a history start its state carries (a priming savepoint, an earlier run).
     * Other types, and the same start, give this plan.
     */
    public CorrelationPlan withNewTermsHistoryStart(long start) {
        if (!newTerms || start == options.newTermsHistoryStart()) {
            return this;
        }
        CorrelationPlan copy;
        try {
            // Shallow: nothing else of a plan changes after it is compiled.
            copy = (CorrelationPlan) clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
        copy.templates = null; // the templates name this plan as the packer of their signals
        copy.options = options.withNewTermsHistoryStart(start);
        copy.learnedBy = copy.learnedBy(start);
        return copy;
    }

    /** The history start plus one window: new terms before it are learned (see {@link Options}). */
    private long learnedBy(long start) {
        return start == Long.MIN_VALUE ? Long.MIN_VALUE : end(start);
    }

    // ---- signals ----

    /**
     * The signals for {@code event} matched by {@code matched}: empty when the rule is not one of this
     * correlation's inputs, a group-by field is missing or null, the event has no time, or a value_* type's
     * field is missing (or not a number for sum/avg/percentile/median); empty results are to be counted as
     * dropped by the caller. Otherwise one signal, with the first value of each field; for new_terms, one per
     * combination of the fields' values (Elastic: each value of a multi-valued field is a term of its own),
     * distinct values in sorted order, at most {@link #MAX_TERM_COMBINATIONS}, the rest counted as cut.
     */
    public Signals signals(Rule matched, Event event) {
        SignalTemplate t = signalTemplate(matched);
        return t == null ? Signals.NONE : signals(t, event);
    }

    /** {@link #signals(Rule, Event)} for a template of this plan ({@link #signalTemplate}). */
    public Signals signals(SignalTemplate t, Event event) {
        return signals(t, event, new SignalTemplate.Reads());
    }

    /** {@link #signals(SignalTemplate, Event)}, sharing reads of the event through {@code reads}. */
    public Signals signals(SignalTemplate t, Event event, SignalTemplate.Reads reads) {
        if (newTerms) {
            return termSignals(t, event, reads);
        }
        SignalTemplate.Parts p = t.read(event, reads);
        return p == null
                ? Signals.NONE
                : new Signals(
                        List.of(new Signal(
                                t.ruleIndex,
                                t.ruleId(),
                                p.time(),
                                List.of(p.group()),
                                p.value(),
                                null,
                                p.evidence(),
                                this)),
                        0);
    }

    /**
     * The template of the signals {@code matched}'s matches give this plan, null when the rule is not one of its
     * inputs. Made on the rule's first match and kept while the same rule object matches.
     */
    public SignalTemplate signalTemplate(Rule matched) {
        Integer r = ruleIndex.get(matched.id());
        if (r == null) {
            return null;
        }
        SignalTemplate[] made = templates;
        if (made == null) {
            made = new SignalTemplate[rule.rules().size()];
            templates = made;
        }
        SignalTemplate t = made[r];
        if (t == null || t.rule != matched) {
            t = new SignalTemplate(
                    this, r, matched, groupPaths[r], valuePaths, fieldNames[r], options.maxEvidence() > 0);
            made[r] = t;
        }
        return t;
    }

    /**
     * The signals one rule match gives (see {@link #signals(Rule, Event)}).
     *
     * @param combinationsCut new_terms: term combinations of the event beyond {@link #MAX_TERM_COMBINATIONS}, not
     *                        signalled
     */
    public record Signals(List<Signal> signals, int combinationsCut) {
        static final Signals NONE = new Signals(List.of(), 0);

        public Signals {
            signals = List.copyOf(signals);
        }

        public boolean isEmpty() {
            return signals.isEmpty();
        }
    }

    /** new_terms: one signal per combination of the fields' distinct values, in sorted order, up to the bound. */
    private Signals termSignals(SignalTemplate t, Event event, SignalTemplate.Reads reads) {
        long time = event.eventTimeMillis();
        if (time == Event.NO_TIME) {
            return Signals.NONE;
        }
        FieldPath[] paths = groupPaths[t.ruleIndex];
        List<List<String>> values = new ArrayList<>(paths.length);
        long combinations = 1;
        for (FieldPath p : paths) {
            java.util.TreeSet<String> distinct = new java.util.TreeSet<>();
            event.anyValue(p, v -> {
                String text = Event.stringForm(v);
                if (text != null) {
                    distinct.add(Evidence.cut(text));
                }
                return false; // every value
            });
            if (distinct.isEmpty()) {
                return Signals.NONE;
            }
            values.add(new ArrayList<>(distinct));
            combinations = Math.min(Long.MAX_VALUE / 1024, combinations * distinct.size());
        }
        int kept = (int) Math.min(combinations, MAX_TERM_COMBINATIONS);
        // One event: its evidence is read once and packed against each combination.
        SignalTemplate.EventValues shown = t.shown(event, reads);
        List<Signal> out = new ArrayList<>(kept);
        int[] at = new int[paths.length];
        for (int n = 0; n < kept; n++) {
            String[] group = new String[paths.length];
            for (int f = 0; f < paths.length; f++) {
                group[f] = values.get(f).get(at[f]);
            }
            out.add(new Signal(t.ruleIndex, t.ruleId(), time, List.of(group), null, null, t.pack(shown, group), this));
            // The next combination: the last field varies fastest.
            for (int f = paths.length - 1; f >= 0 && ++at[f] == values.get(f).size(); f--) {
                at[f] = 0;
            }
        }
        return new Signals(out, (int) Math.min(Integer.MAX_VALUE, combinations - kept));
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
        List<String> group = valuesOrNull(Arrays.asList(groupFields[r]), inner.group()::get);
        if (group == null) {
            return Optional.empty();
        }
        String value = null;
        if (!valuePaths.isEmpty()) {
            List<String> parts = valuesOrNull(valuePaths, p -> inner.group().get(p.text()));
            value = parts == null ? null : normalizeValue(parts);
            if (value == null) {
                return Optional.empty();
            }
        }
        return Optional.of(new Signal(
                r,
                inner.correlationId(),
                inner.lastSeen(),
                group,
                value,
                Evidence.capped(inner.evidence(), options.maxEvidence())));
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

    String normalizeValue(List<String> parts) {
        if (rule.type() == Type.VALUE_COUNT) {
            // Most value_count fields are one field: its value is the tuple, no joiner needed.
            return Evidence.cut(parts.size() == 1 ? parts.get(0) : String.join(TUPLE_SEPARATOR, parts));
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
     * Adds {@code signal} to its group's state and fires whatever the signals seen now prove. The signal must
     * belong to the group {@code g} holds; the caller keys by it. A signal of a temporal type whose rule already
     * has a slot at that instant is <em>folded</em>: only the first signal of a rule at one instant can ever be
     * picked (greedy earliest match; the others are consumed with it), so it changes nothing and only the index
     * is read.
     */
    public StepResult step(GroupState g, Signal signal) {
        if (newTerms) {
            return stepTerms(g, signal);
        }
        int r = signal.ruleIndex();
        CorrelationState state = g.index();
        if (state == null) {
            state = new CorrelationState();
        }
        CorrelationState.Slot slot = state.findOpen(r, signal.time(), signal.value());
        if (slot != null && temporal && !counts) {
            return StepResult.FOLDED;
        }
        List<String> group = signal.group();
        int evicted = 0;
        boolean folded = slot != null;
        if (folded) {
            slot.count++;
            if (slot.evidence < options.maxEvidence() && !signal.evidence().isEmpty()) {
                List<Evidence> ev = new ArrayList<>(unpack(g.evidence(slot.id), slot, group));
                ev.addAll(signal.evidence());
                ev = Evidence.capped(ev, options.maxEvidence());
                slot.evidence = ev.size();
                g.evidence(slot.id, pack(ev, slot, group));
            }
        } else {
            byte[] packed = signal.packedFor(this);
            if (packed != null) {
                // Came over the wire in this plan's form: into state as it is, never decoded.
                slot = state.newSlot(r, signal.time(), signal.value(), 1, Encoding.packedCount(packed), false);
            } else {
                List<Evidence> ev = Evidence.capped(signal.evidence(), options.maxEvidence());
                slot = state.newSlot(r, signal.time(), signal.value(), 1, ev.size(), false);
                packed = pack(ev, slot, group);
            }
            state.insert(slot);
            g.evidence(slot.id, packed);
            evicted = enforceLimit(g, state, r);
        }
        // Another signal of a value already at that instant changes no distinct count.
        List<Fired> fired = early && !(folded && rule.type() == Type.VALUE_COUNT)
                ? fireEarly(g, state, signal.time(), group)
                : List.of();
        return result(g, state, fired, evicted, folded ? 1 : 0);
    }

    /**
     * Closes every window that ends at or before {@code watermark} (a window {@code [t, t + timespan]} is
     * complete once no event with time at or below its end can still arrive), deciding at-close conditions,
     * and drops what no open window needs: for an ordered plan that needs every rule in order, also a signal
     * of a later step that has no earlier partner once the watermark shows that none can still arrive.
     */
    public StepResult expire(GroupState g, long watermark) {
        CorrelationState state = g.index();
        if (state == null) {
            return StepResult.NOTHING;
        }
        if (newTerms) {
            return expireTerms(g, state, watermark);
        }
        if (!atClose && !negations) {
            // Nothing is decided at a window's close and no slot stays as a witness: every slot whose window has
            // ended goes, in one pass. A watermark that passed many instants of a group at once (a busy group, a
            // watermark that jumped) then costs one walk of the index, not one walk and one shift per instant.
            int due = watermark == Long.MAX_VALUE
                    ? state.size()
                    : watermark < Long.MIN_VALUE + span ? 0 : state.firstAfter(watermark - span);
            state.removeIf(0, due, s -> true, s -> g.removeSlot(s.id));
            if (ordersEveryRule) {
                dropWithoutPartner(g, state, watermark);
            }
            return result(g, state, List.of(), 0, 0);
        }
        List<String> group = null; // read from the state only when a window fires (it is decoded from the key)
        List<Fired> fired = new ArrayList<>();
        while (true) {
            CorrelationState.Slot anchor = null;
            for (int i = 0; i < state.size() && anchor == null; i++) {
                CorrelationState.Slot s = state.slot(i);
                anchor = s.closed ? null : s;
            }
            if (anchor == null || end(anchor.time) > watermark) {
                break;
            }
            Match m = atClose ? evaluate(state, anchor.time, false) : null;
            if (m != null) {
                if (group == null) {
                    group = g.group();
                }
                fired.add(consume(g, state, m, group));
                continue;
            }
            // The window anchored at this instant is decided: it releases every open slot at the instant. They
            // lie side by side (the index is sorted by time), so only they are visited.
            long t = anchor.time;
            state.removeIf(
                    state.firstAtOrAfter(t),
                    state.firstAfter(t),
                    s -> !s.closed && !(negations && negatedRules.contains(s.rule)),
                    s -> g.removeSlot(s.id));
            if (negations) {
                for (int i = state.firstAtOrAfter(t), to = state.firstAfter(t); i < to; i++) {
                    CorrelationState.Slot s = state.slot(i);
                    if (!s.closed) {
                        s.closed = true; // a witness for `not`: its evidence is never shown again
                        g.removeSlot(s.id);
                    }
                }
            }
        }
        if (negations) {
            // Witnesses for `not` terms are kept one more timespan: anchors up to t + span look back to t.
            state.removeIf(s -> s.closed && end(end(s.time)) <= watermark, s -> {});
        }
        if (ordersEveryRule) {
            dropWithoutPartner(g, state, watermark);
        }
        return result(g, state, fired, 0, 0);
    }

    private long end(long t) {
        return t > Long.MAX_VALUE - span ? Long.MAX_VALUE : t + span;
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

    /** Stores the index (or deletes the group when nothing is open) and says when to expire next. */
    private StepResult result(GroupState g, CorrelationState state, List<Fired> fired, int evicted, int folded) {
        return result(g, state, fired, evicted, folded, 0);
    }

    private StepResult result(
            GroupState g, CorrelationState state, List<Fired> fired, int evicted, int folded, int learned) {
        boolean firstEviction = evicted > 0 && !state.limitLogged;
        state.limitLogged |= evicted > 0;
        if (state.isEmpty()) {
            g.index(null);
            return new StepResult(fired, Long.MAX_VALUE, evicted, folded, firstEviction, learned);
        }
        g.index(state);
        // A signal folded into a slot moves no deadline unless something fired or went.
        long next = folded > 0 && fired.isEmpty() && evicted == 0 ? StepResult.KEEP_TIMER : nextDeadline(state);
        return new StepResult(fired, next, evicted, folded, firstEviction, learned);
    }

    /**
     * When the state next changes without a signal: the end of the earliest open window, the end of a witness's
     * extra timespan, and for plans that order every rule, the time of a later-step slot that has no earlier
     * partner (once the watermark passes it, no partner can arrive).
     */
    private long nextDeadline(CorrelationState state) {
        long next = Long.MAX_VALUE;
        if (newTerms) {
            // An undecided sighting is decided at its own time; a witness goes one window after it.
            for (int i = 0; i < state.size(); i++) {
                CorrelationState.Slot s = state.slot(i);
                next = Math.min(next, s.closed ? end(s.time) : s.time);
            }
            return next;
        }
        // Slots are sorted by time and each is due at or after its own time, so two common cases need no walk.
        long head = state.slot(0).time;
        if (ordersEveryRule && unpartneredHead(state)) {
            return head; // a busy group whose sequence never started: its head goes first
        }
        if (!ordersEveryRule && !negations) {
            return end(head); // every slot is open and due at its window's end: the head's ends first
        }
        boolean[] alive = ordersEveryRule ? partnered(state, Long.MAX_VALUE, state.size()) : null;
        for (int i = 0; i < state.size(); i++) {
            CorrelationState.Slot s = state.slot(i);
            long due;
            if (s.closed) {
                due = end(end(s.time));
            } else if (alive != null && !alive[i]) {
                due = s.time;
            } else {
                due = end(s.time);
            }
            next = Math.min(next, due);
        }
        return next;
    }

    /**
     * True when the earliest slot is a later step with no slot of the step before it at the same instant, so no
     * earlier partner exists: it is dropped once the watermark passes it.
     */
    private static boolean unpartneredHead(CorrelationState state) {
        CorrelationState.Slot head = state.slot(0);
        if (head.rule == 0) {
            return false;
        }
        for (int i = 1; i < state.size() && state.slot(i).time == head.time; i++) {
            if (state.slot(i).rule == head.rule - 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * For a plan that needs every rule in list order: which of the first {@code limit} slots can still be part
     * of a sequence at {@code watermark}. A first-step slot always can (until its window closes); a later-step slot when a
     * live slot of the step before it lies at or before it within one timespan, or while a signal at or before
     * its time can still arrive (its time is past the watermark). Ties count as in order, so at one instant
     * the earlier steps are visited first.
     */
    private boolean[] partnered(CorrelationState state, long watermark, int limit) {
        int n = limit;
        boolean[] alive = new boolean[n];
        long[] latest = new long[rule.rules().size()];
        Arrays.fill(latest, Long.MIN_VALUE);
        int i = 0;
        while (i < n) {
            long t = state.slot(i).time;
            int j = i + 1;
            while (j < n && state.slot(j).time == t) {
                j++;
            }
            if (j - i == 1) {
                alive[i] = partner(state.slot(i), watermark, latest);
            } else {
                // Ties count as in order: at one instant, the earlier steps first. Rules are few; no sort needed.
                for (int r = 0; r < latest.length; r++) {
                    for (int k = i; k < j; k++) {
                        if (state.slot(k).rule == r) {
                            alive[k] = partner(state.slot(k), watermark, latest);
                        }
                    }
                }
            }
            i = j;
        }
        return alive;
    }

    /** One slot of {@link #partnered}, in order; records it as the latest live slot of its step. */
    private boolean partner(CorrelationState.Slot s, long watermark, long[] latest) {
        boolean ok = s.rule == 0
                || s.time > watermark
                || (latest[s.rule - 1] != Long.MIN_VALUE && latest[s.rule - 1] >= s.time - span);
        if (ok) {
            latest[s.rule] = s.time;
        }
        return ok;
    }

    /** Drops the later-step slots at or before {@code watermark} without an earlier partner; later ones wait. */
    private void dropWithoutPartner(GroupState g, CorrelationState state, long watermark) {
        int due = state.firstAfter(watermark);
        if (due == 0) {
            return;
        }
        boolean[] alive = partnered(state, watermark, due);
        int[] at = {0};
        state.removeIf(0, due, s -> !alive[at[0]++], s -> g.removeSlot(s.id));
    }

    /** Keeps at most {@code maxSignalsPerRule} slots of one rule in a group, evicting the oldest. */
    private int enforceLimit(GroupState g, CorrelationState state, int ruleIdx) {
        int excess = state.slotsOf(ruleIdx) - options.maxSignalsPerRule();
        if (excess <= 0) {
            return 0;
        }
        // The oldest slots of the rule lie at the head; only the part of the index up to the last of them is walked.
        int upTo = 0;
        for (int found = 0; found < excess; upTo++) {
            if (state.slot(upTo).rule == ruleIdx) {
                found++;
            }
        }
        state.removeIf(0, upTo, s -> s.rule == ruleIdx, s -> g.removeSlot(s.id));
        return excess;
    }

    /**
     * Fires, earliest window first, every window the arrival at {@code time} completed: only windows that hold
     * {@code time} changed, i.e. those anchored in {@code [time - timespan, time]}. Most arrivals complete none:
     * their answer is the empty list, and no list is made for them.
     */
    private List<Fired> fireEarly(GroupState g, CorrelationState state, long time, List<String> group) {
        List<Fired> fired = List.of();
        long earliest = time >= Long.MIN_VALUE + span ? time - span : Long.MIN_VALUE;
        while (!state.isEmpty() && mayFire(state)) {
            Match m = null;
            if (temporal) {
                long lastAnchor = Long.MIN_VALUE;
                for (int i = state.firstAtOrAfter(earliest); i < state.size() && m == null; i++) {
                    CorrelationState.Slot a = state.slot(i);
                    if (a.time > time) {
                        break;
                    }
                    if (!a.closed && a.time != lastAnchor) {
                        lastAnchor = a.time;
                        m = evaluate(state, a.time, true);
                    }
                }
            } else {
                long anchor = firstProvenAnchor(state, earliest, time);
                m = anchor == Long.MIN_VALUE ? null : evaluate(state, anchor, true);
            }
            if (m == null) {
                return fired;
            }
            if (fired.isEmpty()) {
                fired = new ArrayList<>(2);
            }
            fired.add(consume(g, state, m, group));
        }
        return fired;
    }

    /**
     * For count, distinct-count and sum plans: the earliest instant in {@code [from, to]} whose window the
     * signals seen prove, or {@link Long#MIN_VALUE}. One sweep with two cursors (slots enter at the window's end
     * and leave at its start), so a group with many slots costs linear, not quadratic, time per arrival. It stops
     * at the first window that reaches the last slot unproven: the conditions are thresholds from below (only
     * such plans fire early), and every later window holds a part of that one, whose count, distinct count or
     * sum of non-negative numbers is no larger. In time order (BATCH) that is the first window.
     */
    private long firstProvenAnchor(CorrelationState state, long from, long to) {
        long signals = 0;
        int negatives = 0;
        BigDecimal sum = BigDecimal.ZERO;
        Map<String, Integer> values = rule.type() == Type.VALUE_COUNT ? new HashMap<>() : null;
        boolean sums = rule.type() == Type.VALUE_SUM;
        int first = state.firstAtOrAfter(from);
        int head = first;
        int tail = first;
        for (int i = first; i < state.size() && state.slot(i).time <= to; i++) {
            long a = state.slot(i).time;
            if (i > first && state.slot(i - 1).time == a) {
                continue;
            }
            for (; tail < head && state.slot(tail).time < a; tail++) {
                CorrelationState.Slot s = state.slot(tail);
                if (!s.closed) {
                    signals -= s.count;
                    if (values != null) {
                        values.merge(s.value, -1, (x, y) -> x + y == 0 ? null : x + y);
                    }
                    if (sums) {
                        BigDecimal v = new BigDecimal(s.value);
                        sum = sum.subtract(v.multiply(BigDecimal.valueOf(s.count)));
                        negatives -= v.signum() < 0 ? 1 : 0;
                    }
                }
            }
            for (long end = end(a); head < state.size() && state.slot(head).time <= end; head++) {
                CorrelationState.Slot s = state.slot(head);
                if (!s.closed) {
                    signals += s.count;
                    if (values != null) {
                        values.merge(s.value, 1, Integer::sum);
                    }
                    if (sums) {
                        BigDecimal v = new BigDecimal(s.value);
                        sum = sum.add(v.multiply(BigDecimal.valueOf(s.count)));
                        negatives += v.signum() < 0 ? 1 : 0;
                    }
                }
            }
            if (negatives > 0) {
                continue; // a later window without the negative number may still be proven
            }
            if (signals > 0) {
                BigDecimal value = switch (rule.type()) {
                    case EVENT_COUNT -> BigDecimal.valueOf(signals);
                    case VALUE_COUNT -> BigDecimal.valueOf(values.size());
                    default -> sum;
                };
                final BigDecimal v = value;
                if (rule.condition().stream().allMatch(b -> b.holds(v))) {
                    return a;
                }
            }
            if (head == state.size()) {
                break;
            }
        }
        return Long.MIN_VALUE;
    }

    /**
     * A cheap necessary condition for a temporal plan to fire in any window: the rules present in the whole
     * group satisfy it. Keeps a hot group whose sequence lacks a step from evaluating windows at all.
     */
    private boolean mayFire(CorrelationState state) {
        if (!temporal) {
            return true;
        }
        int present = 0;
        for (int r = 0; r < rule.rules().size(); r++) {
            if (state.slotsOf(r) > 0) {
                present |= 1 << r;
            }
        }
        final int mask = present;
        if (requiredMask >= 0) {
            return (mask & requiredMask) == requiredMask;
        }
        if (formula != null) {
            return TemporalCondition.eval(
                    formula,
                    new TemporalCondition.Assignment() {
                        @Override
                        public boolean positive(int r) {
                            return (mask & (1 << r)) != 0;
                        }

                        @Override
                        public boolean negative(int r) {
                            return false;
                        }
                    },
                    false);
        }
        BigDecimal count = BigDecimal.valueOf(Integer.bitCount(mask));
        return rule.condition().stream().allMatch(b -> b.holds(count));
    }

    /** A proven match: the slots it uses, the range of state it consumes, its value and signal count. */
    private record Match(long from, long to, List<CorrelationState.Slot> used, BigDecimal value, int count) {}

    /**
     * Decides the window anchored at instant {@code from}: every open slot in {@code [from, from + timespan]}.
     * {@code arriving}: only conditions that more signals cannot falsify may fire (a sum with a negative number
     * waits for the close).
     */
    private Match evaluate(CorrelationState state, long from, boolean arriving) {
        long to = end(from);
        List<CorrelationState.Slot> window = new ArrayList<>();
        for (int i = state.firstAtOrAfter(from); i < state.size(); i++) {
            CorrelationState.Slot s = state.slot(i);
            if (s.time > to) {
                break;
            }
            if (!s.closed) {
                window.add(s);
            }
        }
        if (window.isEmpty()) {
            return null;
        }
        return temporal ? temporal(state, window, from, to) : aggregate(window, from, arriving);
    }

    private Match aggregate(List<CorrelationState.Slot> window, long from, boolean arriving) {
        long signals = 0;
        for (CorrelationState.Slot s : window) {
            signals += s.count;
        }
        BigDecimal value;
        switch (rule.type()) {
            case EVENT_COUNT -> value = BigDecimal.valueOf(signals);
            case VALUE_COUNT -> {
                Set<String> distinct = new HashSet<>();
                window.forEach(s -> distinct.add(s.value));
                value = BigDecimal.valueOf(distinct.size());
            }
            default -> {
                BigDecimal[] numbers = new BigDecimal[window.size()];
                long[] counts = new long[window.size()];
                boolean negative = false;
                for (int i = 0; i < numbers.length; i++) {
                    numbers[i] = new BigDecimal(window.get(i).value);
                    counts[i] = window.get(i).count;
                    negative |= numbers[i].signum() < 0;
                }
                if (arriving && negative) {
                    return null;
                }
                value = numeric(numbers, counts, signals);
            }
        }
        for (Bound b : rule.condition()) {
            if (!b.holds(value)) {
                return null;
            }
        }
        return new Match(
                from, window.get(window.size() - 1).time, window, value, (int) Math.min(Integer.MAX_VALUE, signals));
    }

    /** Sum, average or percentile of {@code numbers}, each standing for {@code counts[i]} signals. */
    private BigDecimal numeric(BigDecimal[] numbers, long[] counts, long total) {
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < numbers.length; i++) {
            sum = sum.add(numbers[i].multiply(BigDecimal.valueOf(counts[i])));
        }
        return switch (rule.type()) {
            case VALUE_SUM -> sum;
            case VALUE_AVG -> sum.divide(BigDecimal.valueOf(total), java.math.MathContext.DECIMAL64);
            default -> percentile(numbers, counts, rule.percentile() == null ? 50.0 : rule.percentile());
        };
    }

    /** Linear interpolation between closest ranks (numpy's default, as rsigma does). */
    static BigDecimal percentile(BigDecimal[] numbers, double p) {
        long[] ones = new long[numbers.length];
        Arrays.fill(ones, 1);
        return percentile(numbers, ones, p);
    }

    /** {@link #percentile(BigDecimal[], double)} of the multiset holding {@code numbers[i]} {@code counts[i]} times. */
    static BigDecimal percentile(BigDecimal[] numbers, long[] counts, double p) {
        Integer[] order = new Integer[numbers.length];
        long total = 0;
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            total += counts[i];
        }
        Arrays.sort(order, (x, y) -> numbers[x].compareTo(numbers[y]));
        double rank = p / 100.0 * (total - 1);
        long lo = (long) Math.floor(rank);
        long hi = (long) Math.ceil(rank);
        BigDecimal low = nth(numbers, counts, order, lo);
        if (lo == hi) {
            return low;
        }
        BigDecimal high = nth(numbers, counts, order, hi);
        return low.add(high.subtract(low).multiply(BigDecimal.valueOf(rank - lo)));
    }

    private static BigDecimal nth(BigDecimal[] numbers, long[] counts, Integer[] order, long n) {
        long seen = 0;
        for (int i : order) {
            seen += counts[i];
            if (n < seen) {
                return numbers[i];
            }
        }
        return numbers[order[order.length - 1]];
    }

    private Match temporal(CorrelationState state, List<CorrelationState.Slot> window, long from, long to) {
        int n = rule.rules().size();
        int present = 0;
        for (CorrelationState.Slot s : window) {
            present |= 1 << s.rule;
        }
        // An absent rule is never part of a match; its signals only veto one.
        present &= ~absentMask;
        int around = 0;
        if (negations) {
            long lookBack = from - span;
            for (int i = 0; i < state.size(); i++) {
                CorrelationState.Slot s = state.slot(i);
                if (s.time >= lookBack && s.time <= to) {
                    around |= 1 << s.rule;
                }
            }
        }
        final int aroundMask = around;
        List<CorrelationState.Slot> best = null;
        int bestRules = 0;
        // Subsets of the rules present, the full set first, so the evidence names as many rules as it can.
        for (int sub = present; ; sub = (sub - 1) & present) {
            final int subset = sub;
            List<CorrelationState.Slot> chain = chain(window, subset, from, n);
            if (chain != null && !chain.isEmpty()) {
                if (formula != null) {
                    boolean ok = TemporalCondition.eval(
                            formula,
                            new TemporalCondition.Assignment() {
                                @Override
                                public boolean positive(int r) {
                                    return (subset & (1 << r)) != 0;
                                }

                                @Override
                                public boolean negative(int r) {
                                    return (aroundMask & (1 << r)) != 0;
                                }
                            },
                            false);
                    if (ok && orderedAbsence) {
                        // Decided on the window anchored at the first step; later anchors try later chains.
                        return chain.get(0).time == from && absenceHolds(state, chain, from)
                                ? match(from, chain, subset)
                                : null;
                    }
                    if (ok) {
                        return match(from, chain, subset);
                    }
                } else if (best == null || Integer.bitCount(subset) > bestRules) {
                    best = chain;
                    bestRules = Integer.bitCount(subset);
                }
            }
            if (sub == 0) {
                break;
            }
        }
        if (formula != null || best == null) {
            return null;
        }
        BigDecimal count = BigDecimal.valueOf(bestRules);
        for (Bound b : rule.condition()) {
            if (!b.holds(count)) {
                return null;
            }
        }
        return match(from, best, bestRules == 0 ? 0 : (1 << bestRules) - 1);
    }

    /** A temporal match: its value is the number of rules present, its count the signals it uses. */
    private static Match match(long from, List<CorrelationState.Slot> chain, int rules) {
        long signals = 0;
        for (CorrelationState.Slot s : chain) {
            signals += s.count;
        }
        return new Match(
                from, chain.get(chain.size() - 1).time, chain, BigDecimal.valueOf(Integer.bitCount(rules)), (int)
                        Math.min(Integer.MAX_VALUE, signals));
    }

    /**
     * For temporal_ordered with absent steps: no signal of an absent step lies where the sequence forbids it,
     * given the times {@code chain} picked for the steps that occur. Between two steps that occur, an absent
     * step must not fall between their times; after the last step ("not followed by") it must not fall
     * before the window's end; before the first ("not preceded by") it must not fall in the timespan before
     * the last step. Every bound lies at or before the window's end, so once the watermark passed it, every
     * signal that could veto has arrived (closed witnesses included).
     */
    private boolean absenceHolds(CorrelationState state, List<CorrelationState.Slot> chain, long from) {
        int n = rule.rules().size();
        long[] at = new long[n];
        Arrays.fill(at, Long.MIN_VALUE);
        for (CorrelationState.Slot s : chain) {
            if (at[s.rule] == Long.MIN_VALUE) {
                at[s.rule] = s.time;
            }
        }
        long first = chain.get(0).time;
        long last = chain.get(chain.size() - 1).time;
        for (int k = 0; k < n; k++) {
            if ((absentMask & (1 << k)) == 0) {
                continue;
            }
            long lo = Long.MIN_VALUE;
            long hi = Long.MIN_VALUE;
            for (int p = k - 1; p >= 0 && lo == Long.MIN_VALUE; p--) {
                if ((absentMask & (1 << p)) == 0) {
                    lo = lastOf(chain, p);
                }
            }
            for (int q = k + 1; q < n && hi == Long.MIN_VALUE; q++) {
                if ((absentMask & (1 << q)) == 0) {
                    hi = at[q];
                }
            }
            if (lo == Long.MIN_VALUE) {
                lo = last >= Long.MIN_VALUE + span ? last - span : Long.MIN_VALUE;
            }
            if (hi == Long.MIN_VALUE) {
                hi = end(first);
            }
            for (int i = 0; i < state.size(); i++) {
                CorrelationState.Slot s = state.slot(i);
                if (s.rule == k && s.time >= lo && s.time <= hi) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The time of the latest slot of rule {@code r} in {@code chain} (a step with a minimum uses several). */
    private static long lastOf(List<CorrelationState.Slot> chain, int r) {
        long t = Long.MIN_VALUE;
        for (CorrelationState.Slot s : chain) {
            if (s.rule == r) {
                t = Math.max(t, s.time);
            }
        }
        return t;
    }

    /**
     * One slot per rule in {@code subset} inside the window; for temporal_ordered in list order with
     * non-decreasing times (greedy earliest choice, which finds a chain whenever one exists). Null if none.
     */
    private List<CorrelationState.Slot> chain(List<CorrelationState.Slot> window, int subset, long from, int n) {
        List<CorrelationState.Slot> out = new ArrayList<>(Integer.bitCount(subset));
        boolean ordered = rule.type() == Type.TEMPORAL_ORDERED;
        long cursor = from;
        for (int r = 0; r < n; r++) {
            if ((subset & (1 << r)) == 0) {
                continue;
            }
            // The earliest slots of the rule (from the cursor on, if ordered) until they hold its minimum.
            long got = 0;
            long latest = cursor;
            for (CorrelationState.Slot s : window) {
                if (s.rule == r && (!ordered || s.time >= cursor)) {
                    out.add(s);
                    got += s.count;
                    latest = s.time;
                    if (got >= minCounts[r]) {
                        break;
                    }
                }
            }
            if (got < minCounts[r]) {
                return null;
            }
            if (ordered) {
                cursor = latest;
            }
        }
        out.sort((x, y) -> Long.compare(x.time, y.time));
        return out;
    }

    /** Removes the match's slots and every open slot in its time range, and builds the result. */
    private Fired consume(GroupState g, CorrelationState state, Match m, List<String> group) {
        List<Evidence> evidence = new ArrayList<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (CorrelationState.Slot s : m.used()) {
            first = Math.min(first, s.time);
            last = Math.max(last, s.time);
            if (evidence.size() < options.maxEvidence() && s.evidence > 0) {
                for (Evidence ev : unpack(g.evidence(s.id), s, group)) {
                    if (evidence.size() < options.maxEvidence()) {
                        evidence.add(ev);
                    }
                }
            }
        }
        // The used slots are open and lie in [from, to], so this removes them too; only that range is visited.
        state.removeIf(
                state.firstAtOrAfter(m.from()), state.firstAfter(m.to()), s -> !s.closed, s -> g.removeSlot(s.id));
        Map<String, String> named = new LinkedHashMap<>();
        for (int i = 0; i < rule.groupBy().size(); i++) {
            named.put(rule.groupBy().get(i), group.get(i));
        }
        return new Fired(
                rule.id(),
                rule.title(),
                rule.level(),
                rule.type(),
                named,
                first,
                last,
                m.count(),
                m.value(),
                evidence,
                alert);
    }

    // ---- new_terms ----

    /*
     * A group is one combination of term values. Its slots are sightings (one per instant, later signals of the
     * instant folded into it), sorted by time. A sighting at t is new when no sighting lies in [t - window, t).
     * Open slots are undecided: they are decided in time order once the watermark reaches them, when every
     * earlier sighting has arrived, so the answer does not depend on arrival order. Closed slots are decided
     * (or certainly not new) and stay only as witnesses. What the witnesses cover, the union of
     * (s, s + window] over all sightings s, is all a decision reads, so a slot that adds nothing to it goes:
     * a hot term keeps a handful of slots, not one per event.
     */

    private StepResult stepTerms(GroupState g, Signal signal) {
        CorrelationState state = g.index();
        if (state == null) {
            state = new CorrelationState();
        } else if (state.find(0, signal.time(), null) != null) {
            // An open sighting at the instant stands for it; a decided one is only reached by a late signal, and
            // it changes nothing.
            return StepResult.FOLDED;
        }
        byte[] packed = signal.packedFor(this);
        CorrelationState.Slot slot;
        if (packed != null) {
            slot = state.newSlot(0, signal.time(), null, 1, Encoding.packedCount(packed), false);
        } else {
            List<Evidence> ev = Evidence.capped(signal.evidence(), options.maxEvidence());
            slot = state.newSlot(0, signal.time(), null, 1, ev.size(), false);
            packed = pack(ev, slot, signal.group());
        }
        state.insert(slot);
        g.evidence(slot.id, packed);
        compactTerms(g, state, state.firstAtOrAfter(slot.time));
        int evicted = enforceLimit(g, state, 0);
        return result(g, state, List.of(), evicted, 0);
    }

    /**
     * After a sighting arrived at index {@code i}: closes it when another lies within one window before it, and
     * the next one when it lies within one window after it (neither is new, whatever else arrives). Then removes
     * a sighting whose neighbours are within one window of each other: the witnesses cover the same times
     * without it. Before the arrival no sighting was removable, so only the arrival and its neighbours can be.
     */
    private void compactTerms(GroupState g, CorrelationState state, int i) {
        CorrelationState.Slot arrived = state.slot(i);
        if (i > 0 && arrived.time - state.slot(i - 1).time <= span) {
            close(g, arrived);
        }
        if (i + 1 < state.size() && state.slot(i + 1).time - arrived.time <= span) {
            close(g, state.slot(i + 1));
        }
        if (coveredByNeighbours(state, i)) {
            CorrelationState.Slot gone = arrived;
            state.removeIf(s -> s == gone, s -> {});
            return;
        }
        CorrelationState.Slot after =
                i + 1 < state.size() && coveredByNeighbours(state, i + 1) ? state.slot(i + 1) : null;
        CorrelationState.Slot before = coveredByNeighbours(state, i - 1) ? state.slot(i - 1) : null;
        if (after != null || before != null) {
            state.removeIf(s -> s == after || s == before, s -> {});
        }
    }

    /** True when slot {@code j} has neighbours on both sides within one window of each other. */
    private boolean coveredByNeighbours(CorrelationState state, int j) {
        return j > 0 && j + 1 < state.size() && state.slot(j + 1).time - state.slot(j - 1).time <= span;
    }

    /** A sighting that is not new: decided, its evidence no longer needed. */
    private static void close(GroupState g, CorrelationState.Slot s) {
        if (!s.closed) {
            s.closed = true;
            g.removeSlot(s.id);
        }
    }

    /**
     * Decides, in time order, every open sighting at or before {@code watermark}: every sighting before it has
     * arrived, so an open one is new; new before the history is learned ({@link #learnedBy}) counts as learned
     * instead of firing. Then keeps of the decided sightings only the latest, while it still covers a time after the
     * watermark.
     */
    private StepResult expireTerms(GroupState g, CorrelationState state, long watermark) {
        List<Fired> fired = new ArrayList<>();
        int learned = 0;
        int decided = 0;
        for (; decided < state.size() && state.slot(decided).time <= watermark; decided++) {
            CorrelationState.Slot s = state.slot(decided);
            if (s.closed) {
                continue;
            }
            // Open means nothing was seen within one window before it (compactTerms closes the others on arrival).
            if (s.time >= learnedBy) {
                fired.add(newTerm(g, s));
            } else {
                learned++;
            }
            s.closed = true;
            g.removeSlot(s.id);
        }
        if (decided > 0) {
            CorrelationState.Slot latest = state.slot(decided - 1);
            boolean expired = end(latest.time) <= watermark;
            state.removeIf(s -> s.time < latest.time || (expired && s == latest), s -> {});
        }
        return result(g, state, fired, 0, 0, learned);
    }

    /**
     * new_terms: the state of a term whose sightings up to {@code lastSeen} are all decided, as a hunt leaves it
     * (a priming savepoint): one decided sighting at {@code lastSeen}, kept as the witness that the term was seen.
     * It is due ({@link #seenTermDue}) one window after it, when the term is no longer known.
     */
    public CorrelationState seenTerm(long lastSeen) {
        if (!newTerms) {
            throw new IllegalStateException("correlation " + rule.id() + " is not a new_terms correlation");
        }
        CorrelationState state = new CorrelationState();
        state.insert(state.newSlot(0, lastSeen, null, 1, 0, true));
        return state;
    }

    /** When the state of {@link #seenTerm} is next due: the end of its window (the driver adds its lateness). */
    public long seenTermDue(long lastSeen) {
        return end(lastSeen);
    }

    private Fired newTerm(GroupState g, CorrelationState.Slot s) {
        List<String> group = g.group();
        Map<String, String> named = new LinkedHashMap<>();
        for (int i = 0; i < rule.groupBy().size(); i++) {
            named.put(rule.groupBy().get(i), group.get(i));
        }
        List<Evidence> evidence = unpack(g.evidence(s.id), s, group);
        return new Fired(
                rule.id(),
                rule.title(),
                rule.level(),
                rule.type(),
                named,
                s.time,
                s.time,
                (int) Math.min(Integer.MAX_VALUE, s.count),
                BigDecimal.valueOf(s.count),
                evidence,
                alert);
    }

    // ---- evidence in state ----

    private byte[] pack(List<Evidence> evidence, CorrelationState.Slot slot, List<String> group) {
        return pack(evidence, slot.rule, slot.time, group);
    }

    private byte[] pack(List<Evidence> evidence, int ruleIndex, long time, List<String> group) {
        Encoding.Scratch bytes = Encoding.scratch();
        try {
            Encoding.writePackedEvidence(
                    bytes.out, evidence, rule.rules().get(ruleIndex), time, fieldNames[ruleIndex], group);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private List<Evidence> unpack(byte[] packed, CorrelationState.Slot slot, List<String> group) {
        return unpack(packed, slot.rule, slot.time, group);
    }

    /** The evidence of a packed slot or signal: relative to the rule at {@code ruleIndex}, its time and group. */
    List<Evidence> unpack(byte[] packed, int ruleIndex, long time, List<String> group) {
        if (packed == null) {
            return List.of();
        }
        try {
            return Encoding.readPackedEvidence(
                    new BlockInput(packed), rule.rules().get(ruleIndex), time, fieldNames[ruleIndex], group);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("truncated or corrupt correlation evidence", e);
        }
    }

    /**
     * The evidence of {@code signal} in this plan's packed form: what a new slot for it stores, and what a signal
     * record carries between operators, so that it is encoded once, where it is made.
     */
    public byte[] packed(Signal signal) {
        byte[] p = signal.packedFor(this);
        return p != null
                ? p
                : pack(
                        Evidence.capped(signal.evidence(), options.maxEvidence()),
                        signal.ruleIndex(),
                        signal.time(),
                        signal.group());
    }

    /**
     * The signal a record of this plan carries: its fields and its evidence in {@link #packed} form. The evidence
     * stays packed until something reads it; {@code group} is kept as given (not copied), so it must be an
     * unmodifiable list that nothing changes, such as a record's key values decoded on demand.
     */
    public Signal signal(int ruleIndex, String ruleId, long time, List<String> group, String value, byte[] packed) {
        if (ruleIndex < 0 || ruleIndex >= rule.rules().size()) {
            throw new IllegalArgumentException(
                    "correlation " + rule.id() + " has no rule at index " + ruleIndex + " (a corrupt signal)");
        }
        return new Signal(ruleIndex, ruleId, time, group, value, null, packed, this);
    }

    /** True when {@code other} packs evidence exactly as this plan does: same correlation, same fingerprint. */
    boolean sameForm(CorrelationPlan other) {
        return other == this || (other.id().equals(id()) && other.fingerprint.equals(fingerprint));
    }
}
