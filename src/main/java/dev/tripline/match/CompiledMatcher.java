package dev.tripline.match;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.tripline.event.CaseFoldMap;
import dev.tripline.event.Event;
import dev.tripline.event.FieldPath;
import dev.tripline.event.LogType;
import dev.tripline.match.Requirements.FieldRequirement;
import dev.tripline.match.Requirements.Kind;
import dev.tripline.match.Requirements.Literal;
import dev.tripline.rule.Expr;
import dev.tripline.rule.Rule;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * All enabled rules compiled into one immutable, serializable matcher. A rule's detection runs only on events
 * that carry every value the rule pins:
 * <ol>
 *   <li>Rules are split by log type (a CloudTrail event never visits an Azure rule).</li>
 *   <li>{@link Requirements} lists what each rule requires of single fields: a value among a set
 *       ({@code eventName: CreateUser}), a value containing, starting or ending with a literal (contains,
 *       startswith, endswith, wildcards, the literal a regex needs), or merely a value ({@code errorCode} being
 *       there). Equal requirements of different rules are one <em>condition</em> of the index.</li>
 *   <li>A field's conditions are answered by up to four <em>probes</em>, each run on an event the first time
 *       one of its conditions is asked about: one case-folded hash lookup among every rule's values for the
 *       field (and whether it is there), and one pass of an {@link AhoCorasick} automaton over every rule's
 *       literals for the field that must sit at its start, at its end, or anywhere. The answers are kept for the
 *       rest of the event, so each probe runs once however many rules ask, and a scan runs only on events where
 *       a rule needs it. Fields are read through a {@link FieldReader}, a few exact hash lookups in the common
 *       case, once per event for all of a field's probes and every detection that tests the same path
 *       ({@link FieldValues}); the fields rules are filed under are read first, one after another, since on a
 *       record not in the cache the reads' misses are most of the index's cost.</li>
 *   <li>Each rule is filed under one condition, and every field rules are filed under is read on every event,
 *       so a rule that pins several fields is filed under one that other rules need read anyway, the most
 *       selective of those ({@code eventName}, else {@code eventSource}, else another field's equality, else a
 *       literal, and last an equality that accepts most of the values its field is known to take); only rules
 *       with no such field add a field, their most selective. Its other conditions (say
 *       {@code eventSource} as well as {@code eventName}, or an error code) are checked, from the shared
 *       answers, before its detection runs. Rules that pin nothing are checked on every event of their log
 *       type.</li>
 * </ol>
 * Rules with equal detections share one candidate, whose detection runs once for all of them. Conditions ignore
 * case and may let a rule through wrongly but never keep one out; the compiled detection decides. The differential test holds the matcher to the reference evaluator on every (rule, event) pair of the
 * corpora.
 *
 * <p>Per-event answers live in a per-thread {@link Scratch} reset (by a counter) at the start of each event; the
 * matcher itself holds no mutable state and may be shared between threads.
 */
public final class CompiledMatcher implements Serializable {
    private static final long serialVersionUID = 5L;

    private static final Candidate[] NONE = new Candidate[0];
    private static final int[] NO_LITERALS = new int[0];
    /** Values remembered per substring scan and thread ({@link Scratch#substringsFound}); a power of two. */
    private static final int REMEMBERED_VALUES = 256;

    private static final List<String> PREFERRED_FIELDS = List.of("eventname", "eventsource"); // index names
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final List<Rule> rules;
    /** By log type ordinal; null for a type no rule applies to. */
    private final Index[] indexes;
    /** Every field any condition reads, over all log types; a condition's field is {@code fieldOf[condition]}. */
    private final IndexedField[] fields;

    private final int[] fieldOf;
    /** Every field's parts that some condition asks about; {@code probesOf[condition]} may meet the condition. */
    private final Probe[] probes;

    private final int[][] probesOf;
    /** By condition: its only probe, or -1 when several probes may meet it ({@code probesOf}). */
    private final int[] onlyProbeOf;
    /** How many paths the index and the detections read, each once per event ({@link FieldValues}). */
    private final int pathCount;

    private CompiledMatcher(
            List<Rule> rules,
            Index[] indexes,
            IndexedField[] fields,
            int[] fieldOf,
            Probe[] probes,
            int[][] probesOf,
            int pathCount) {
        this.rules = rules;
        this.pathCount = pathCount;
        this.indexes = indexes;
        this.fields = fields;
        this.fieldOf = fieldOf;
        this.probes = probes;
        this.probesOf = probesOf;
        this.onlyProbeOf = new int[probesOf.length];
        for (int c = 0; c < probesOf.length; c++) {
            onlyProbeOf[c] = probesOf[c].length == 1 ? probesOf[c][0] : -1;
        }
    }

    /** Compiles the enabled rules; disabled rules are left out. */
    public static CompiledMatcher compile(List<Rule> rules) {
        List<Rule> enabled = rules.stream().filter(Rule::enabled).toList();
        FieldValues.Numbering paths = new FieldValues.Numbering();
        Builder b = new Builder(paths);
        Map<Expr, CompiledExpr> compiled = new HashMap<>();
        for (LogType type : LogType.values()) {
            // Rules with equal detections (a rule enabled twice under other ids, say) run their detection once.
            Map<Expr, List<Rule>> sameDetection = new LinkedHashMap<>();
            for (Rule rule : enabled) {
                if (rule.appliesTo(type)) {
                    sameDetection
                            .computeIfAbsent(rule.detection(), k -> new ArrayList<>())
                            .add(rule);
                }
            }
            sameDetection.forEach((detection, group) ->
                    b.add(group, compiled.computeIfAbsent(detection, d -> CompiledExpr.compile(d, paths)), type));
        }
        return b.build(List.copyOf(enabled));
    }

    public List<Rule> rules() {
        return rules;
    }

    /** Calls {@code onMatch} once for every rule that fires on {@code event}. */
    public void match(Event event, Consumer<Rule> onMatch) {
        visitCandidates(event, onMatch, Visit.MATCH);
    }

    /** What {@link #visitCandidates} does with each candidate (a switch, not a callback: nothing is allocated per event). */
    private enum Visit {
        /** Run the detection; report each of the candidate's rules when it holds. */
        MATCH,
        /** Count the candidate's rules. */
        COUNT_RULES,
        /** Count the candidate once. */
        COUNT_DETECTIONS,
        /** Only check the candidate's conditions (the fields this reads are counted at the end). */
        COUNT_FIELDS
    }

    /**
     * Visits every candidate of the event's log type whose conditions the event meets: first the candidates filed
     * under the conditions the key probes find, then the ones checked on every event. Returns the count
     * {@code visit} asks for (0 for MATCH).
     */
    private int visitCandidates(Event event, Consumer<Rule> onMatch, Visit visit) {
        Index index = indexes[event.logType().ordinal()];
        if (index == null) {
            return 0;
        }
        Scratch s = Scratch.acquire(this);
        try {
            // Every key field first, with nothing in between: the processor overlaps their cache misses.
            for (int f : index.keyFields) {
                s.read(fields[f].reader, event);
            }
            for (int p : index.keyProbes) {
                evaluate(p, event, s);
            }
            int count = 0;
            for (int p : index.keyProbes) {
                for (int i = s.firstFound[p], end = s.endFound[p]; i < end; i++) {
                    int c = s.found[i];
                    Candidate[] filed = index.byCondition[c];
                    if (filed != null) {
                        count += visitHolding(filed, index.firstOthers[c], event, s, onMatch, visit);
                    }
                }
            }
            count += visitHolding(index.always, index.alwaysFirstOthers, event, s, onMatch, visit);
            if (visit == Visit.COUNT_FIELDS) {
                Set<IndexedField> read = Collections.newSetFromMap(new IdentityHashMap<>());
                for (int p = 0; p < probes.length; p++) {
                    if (s.probeRun[p] == s.epoch) {
                        read.add(probes[p].field);
                    }
                }
                return read.size();
            }
            return count;
        } finally {
            s.release();
        }
    }

    /**
     * Visits candidates whose first other conditions are {@code firstOthers} (-1: none). A candidate whose first
     * other condition is already known unmet this event is passed over from that array alone, without touching
     * the candidate: at 1,000 rules most visits end so (variants whose eventSource differs from the event's).
     */
    private int visitHolding(
            Candidate[] candidates, int[] firstOthers, Event event, Scratch s, Consumer<Rule> onMatch, Visit visit) {
        int count = 0;
        for (int k = 0; k < candidates.length; k++) {
            int first = firstOthers[k];
            if (first >= 0 && knownUnmet(first, s)) {
                continue;
            }
            Candidate c = candidates[k];
            if (!holds(c.otherConditions, event, s)) {
                continue;
            }
            switch (visit) {
                case MATCH -> {
                    if (c.detection.test(event, null, s)) {
                        for (Rule rule : c.rules) {
                            onMatch.accept(rule);
                        }
                    }
                }
                case COUNT_RULES -> count += c.rules.length;
                case COUNT_DETECTIONS -> count++;
                case COUNT_FIELDS -> {}
            }
        }
        return count;
    }

    /** True when condition {@code c} is unmet and the one probe that could meet it has run this event. */
    private boolean knownUnmet(int c, Scratch s) {
        int probe = onlyProbeOf[c];
        return probe >= 0 && s.probeRun[probe] == s.epoch && s.conditionMet[c] != s.epoch;
    }

    /** True when the event meets every one of {@code conditions}, running the probes not run yet. */
    private boolean holds(int[] conditions, Event event, Scratch s) {
        for (int c : conditions) {
            if (s.conditionMet[c] == s.epoch) {
                continue;
            }
            int only = onlyProbeOf[c];
            if (only >= 0) {
                evaluate(only, event, s);
            } else {
                for (int p : probesOf[c]) {
                    evaluate(p, event, s);
                }
            }
            if (s.conditionMet[c] != s.epoch) {
                return false;
            }
        }
        return true;
    }

    /** Runs probe {@code p} on the event once, recording every condition it finds met. */
    private void evaluate(int p, Event event, Scratch s) {
        if (s.probeRun[p] == s.epoch) {
            return;
        }
        s.probeRun[p] = s.epoch;
        s.firstFound[p] = s.foundCount;
        Probe probe = probes[p];
        JsonNode scalar = s.read(probe.field.reader, event);
        if (scalar == null) {
            s.probe = probe;
            event.anyValue(probe.field.reader.path(), s);
        } else if (scalar != FieldValues.MISSING) {
            // The common case (eventName, userIdentity.type, ...): a few exact gets, no allocation.
            probe.test(scalar, s);
        }
        s.endFound[p] = s.foundCount;
    }

    /** The matches with the selections that made each fire (selections are worked out only for matches). */
    public List<RuleMatch> matches(Event event) {
        List<RuleMatch> out = new ArrayList<>(1);
        match(event, rule -> out.add(new RuleMatch(rule, Explanation.firedSelections(rule, event))));
        return out;
    }

    /**
     * How many candidate rules an event visits: the rules whose every condition the event meets (their
     * detections run); exposed for tests and benchmarks.
     */
    int candidateCount(Event event) {
        return visitCandidates(event, null, Visit.COUNT_RULES);
    }

    /**
     * How many fields the index reads from an event: those it is keyed on, and those of the conditions checked
     * for the rules filed under what the event holds (the detections' own reads not counted).
     */
    int indexFieldsRead(Event event) {
        return visitCandidates(event, null, Visit.COUNT_FIELDS);
    }

    /** How many detections run on an event: its candidate rules, counting once rules that share a detection. */
    int detectionCount(Event event) {
        return visitCandidates(event, null, Visit.COUNT_DETECTIONS);
    }

    /** Rules with one detection, and the conditions to check before it runs besides the one they are filed under. */
    private record Candidate(Rule[] rules, CompiledExpr detection, int[] otherConditions) implements Serializable {}

    /**
     * One field the index reads, and its conditions: values to the equality conditions they meet, its literal
     * conditions' literals by where they must sit (see {@link LiteralScan}), and the condition that it is there
     * (-1 when none asks).
     */
    private static final class IndexedField implements Serializable {
        private static final long serialVersionUID = 3L;

        final FieldReader reader;
        /** The path as a rule wrote it, for the index description. */
        final String name;

        final CaseFoldMap<int[]> equalities;
        final LiteralScan prefixes;
        final LiteralScan suffixes;
        final LiteralScan substrings;
        final int presentCondition;

        IndexedField(
                FieldReader reader,
                String name,
                CaseFoldMap<int[]> equalities,
                LiteralScan prefixes,
                LiteralScan suffixes,
                LiteralScan substrings,
                int presentCondition) {
            this.reader = reader;
            this.name = name;
            this.equalities = equalities;
            this.prefixes = prefixes;
            this.suffixes = suffixes;
            this.substrings = substrings;
            this.presentCondition = presentCondition;
        }

        int literalCount() {
            return (prefixes == null ? 0 : prefixes.conditions.length)
                    + (suffixes == null ? 0 : suffixes.conditions.length)
                    + (substrings == null ? 0 : substrings.conditions.length);
        }
    }

    /** The four tests a field's values can get, each run at most once per event and only when asked for. */
    private enum Part {
        /** The equality lookup, and presence. */
        VALUES,
        PREFIXES,
        SUFFIXES,
        SUBSTRINGS
    }

    /**
     * One part of one field's conditions: an event runs it only when a condition it may meet is asked about, so a
     * field's literal scans cost nothing on events whose candidates do not need them (a long user agent is
     * looked up among the rules' user agents on every event, but scanned for literals only for a candidate).
     * {@code conditions} are every condition but presence that the probe may meet, all met by an object or a list.
     */
    private record Probe(int id, IndexedField field, Part part, int[] conditions) implements Serializable {
        /** Records the conditions of this part that one value of the field meets. */
        void test(JsonNode value, Scratch s) {
            if (part == Part.VALUES) {
                s.meet(field.presentCondition);
            }
            if (value instanceof ContainerNode) {
                // Its text is the whole object or list written as JSON, as costly to build as the detection's own
                // test, which decides anyway: let every condition of this part through.
                s.meetAll(conditions);
                return;
            }
            String text = value instanceof NullNode ? null : Event.stringForm(value);
            if (text == null) {
                return;
            }
            switch (part) {
                case VALUES -> {
                    int[] equal = field.equalities == null ? null : field.equalities.get(text);
                    if (equal != null) {
                        s.meetAll(equal);
                    }
                }
                case PREFIXES -> field.prefixes.fromStart(text, s);
                case SUFFIXES -> field.suffixes.fromEnd(text, s);
                case SUBSTRINGS -> {
                    int[] found = s.substringsFound(id, text);
                    if (found == null) {
                        found = field.substrings.anywhere(text, s);
                        s.rememberSubstrings(id, text, found);
                    }
                    for (int literal : found) {
                        s.meetAll(field.substrings.conditions[literal]);
                    }
                }
            }
        }
    }

    /**
     * Literals looked for in one place of a value: at its start (so the walk stops after the longest literal's
     * length at most), at its end (reversed literals, walked from the last character), or anywhere (one pass over
     * the value). {@code conditions[literal]} are met by an occurrence there; {@code wholeValue[literal]} (start
     * scans only) only when the literal is the whole value.
     */
    private record LiteralScan(AhoCorasick automaton, int[][] conditions, int[][] wholeValue) implements Serializable {
        void fromStart(String value, Scratch s) {
            int state = automaton.start();
            for (int i = 0, n = value.length(); i < n; i++) {
                state = automaton.step(state, value.charAt(i));
                if (automaton.depth(state) != i + 1) {
                    return; // no literal begins with what was read
                }
                for (int id : automaton.literalsEndingAt(state)) {
                    if (automaton.length(id) == i + 1) {
                        s.meetAll(conditions[id]);
                        if (i == n - 1) {
                            s.meetAll(wholeValue[id]);
                        }
                    }
                }
            }
        }

        void fromEnd(String value, Scratch s) {
            int state = automaton.start();
            for (int i = value.length() - 1, read = 1; i >= 0; i--, read++) {
                state = automaton.step(state, value.charAt(i));
                if (automaton.depth(state) != read) {
                    return;
                }
                for (int id : automaton.literalsEndingAt(state)) {
                    if (automaton.length(id) == read) {
                        s.meetAll(conditions[id]);
                    }
                }
            }
        }

        /** The literals found anywhere in {@code value}, each once ({@link #NO_LITERALS} for none). */
        int[] anywhere(String value, Scratch s) {
            int count = 0;
            int state = automaton.start();
            for (int i = 0, n = value.length(); i < n; i++) {
                state = automaton.step(state, value.charAt(i));
                for (int id : automaton.literalsEndingAt(state)) {
                    count = s.addLiteral(id, count);
                }
            }
            return count == 0 ? NO_LITERALS : Arrays.copyOf(s.literals, count);
        }
    }

    /**
     * The rules of one log type: filed under a condition, or checked on every event. The key probes are the ones
     * that can meet a condition rules are filed under, run on every event of the type; {@code keyFields} are their
     * fields, read on every event before any probe runs. Beside each array of candidates, the first other
     * condition of each (-1 for none), so that a candidate that fails it is passed over without being read.
     */
    private record Index(
            int[] keyProbes,
            int[] keyFields,
            Candidate[][] byCondition,
            int[][] firstOthers,
            Candidate[] always,
            int[] alwaysFirstOthers)
            implements Serializable {}

    /**
     * Per-thread answers for the event being matched: the fields read ({@link FieldValues}, shared with the
     * detections), which probes ran and which conditions were met, each stamped with the event's number
     * ({@code epoch}) so that nothing needs clearing between events. Conditions met are also listed in the order
     * found, per probe, for the walk over rules filed under them. The values read are dropped when the event is
     * done, so the scratch keeps no event alive; only the texts of recent values of substring-scanned fields
     * stay, with what their scans found, until another value takes their slot or another matcher uses the thread.
     */
    private static final class Scratch extends FieldValues implements Predicate<JsonNode> {
        /** The probe whose field's values {@link #test} is handed by the full lookup (no lambda per event). */
        Probe probe;

        int[] probeRun = new int[0];
        int[] firstFound = new int[0];
        int[] endFound = new int[0];
        int[] conditionMet = new int[0];
        int[] found = new int[0];
        int foundCount;
        boolean busy;
        /** The literals one substring scan finds, while it runs. */
        int[] literals = new int[8];
        /**
         * By probe, for substring scans only: recent values and the literals found in each, in slots chosen by the
         * value's hash. Fields such as {@code userIdentity.arn} repeat from event to event (the same principals act
         * again and again), and scanning one is a walk over each of its characters; looking it up is one hash of it
         * and one comparison. Kept across events; a value is replaced by the next one hashed to its slot.
         */
        String[][] scannedValues = new String[0][];
        /** The matcher whose probes {@link #scannedValues} are numbered by. */
        CompiledMatcher matcher;

        int[][][] scannedLiterals = new int[0][][];

        /** The calling thread's scratch, or a fresh one when a match runs inside another match's callback. */
        static Scratch acquire(CompiledMatcher matcher) {
            Scratch s = SCRATCH.get();
            if (s.busy) {
                s = new Scratch();
            }
            s.busy = true;
            if (s.matcher != matcher) {
                // Probe numbers are the matcher's own: another matcher's remembered scans mean nothing here.
                s.matcher = matcher;
                s.scannedValues = new String[0][];
                s.scannedLiterals = new int[0][][];
            }
            int paths = matcher.pathCount;
            int probes = matcher.probes.length;
            int conditions = matcher.probesOf.length;
            if (s.probeRun.length < probes) {
                s.probeRun = new int[probes];
                s.firstFound = new int[probes];
                s.endFound = new int[probes];
            }
            if (s.conditionMet.length < conditions) {
                s.conditionMet = new int[conditions];
                s.found = new int[conditions];
            }
            s.start(paths);
            s.foundCount = 0;
            return s;
        }

        @Override
        void resetEpoch() {
            Arrays.fill(probeRun, 0);
            Arrays.fill(conditionMet, 0);
        }

        void release() {
            finish();
            busy = false;
        }

        /** Runs {@link #probe} on one value of its field; false, so the lookup visits every value. */
        @Override
        public boolean test(JsonNode value) {
            probe.test(value, this);
            return false;
        }

        /** The literals a substring scan of probe {@code p} found in {@code value} before, or null. */
        int[] substringsFound(int p, String value) {
            if (p >= scannedValues.length || scannedValues[p] == null) {
                return null;
            }
            int slot = slot(value);
            return value.equals(scannedValues[p][slot]) ? scannedLiterals[p][slot] : null;
        }

        void rememberSubstrings(int p, String value, int[] literals) {
            if (p >= scannedValues.length) {
                scannedValues = Arrays.copyOf(scannedValues, p + 1);
                scannedLiterals = Arrays.copyOf(scannedLiterals, p + 1);
            }
            if (scannedValues[p] == null) {
                scannedValues[p] = new String[REMEMBERED_VALUES];
                scannedLiterals[p] = new int[REMEMBERED_VALUES][];
            }
            int slot = slot(value);
            scannedValues[p][slot] = value;
            scannedLiterals[p][slot] = literals;
        }

        private static int slot(String value) {
            int h = value.hashCode();
            return (h ^ (h >>> 16)) & (REMEMBERED_VALUES - 1);
        }

        /** Adds literal {@code id} to the first {@code count} of {@link #literals} unless there; the new count. */
        int addLiteral(int id, int count) {
            for (int i = 0; i < count; i++) {
                if (literals[i] == id) {
                    return count;
                }
            }
            if (count == literals.length) {
                literals = Arrays.copyOf(literals, count * 2);
            }
            literals[count] = id;
            return count + 1;
        }

        void meetAll(int[] conditions) {
            for (int c : conditions) {
                meet(c);
            }
        }

        void meet(int condition) {
            if (condition >= 0 && conditionMet[condition] != epoch) {
                conditionMet[condition] = epoch;
                found[foundCount++] = condition;
            }
        }
    }

    /** Gathers conditions, fields and rules, then freezes them into arrays. */
    private static final class Builder {
        /** Where the index's fields take their readers, shared with the detections. */
        final FieldValues.Numbering paths;

        final Map<LogType, IndexBuilder> byType = new EnumMap<>(LogType.class);
        /** Field key (log type and index name) to its number. */
        final Map<String, Integer> fieldIds = new LinkedHashMap<>();

        final List<FieldPath> fieldPaths = new ArrayList<>();
        final List<String> fieldNames = new ArrayList<>();
        final Map<FieldRequirement, Integer> conditionIds = new HashMap<>();
        final List<FieldRequirement> conditions = new ArrayList<>();
        final List<Integer> conditionField = new ArrayList<>();
        /** By field number, {@link #namedValues}. */
        final Map<Integer, Integer> namedValues = new HashMap<>();

        /** Rules that share one detection, and their conditions, most selective first; filed in {@link #build}. */
        private record Pending(List<Rule> rules, CompiledExpr detection, LogType type, int[] conditions) {}

        final List<Pending> pending = new ArrayList<>();

        Builder(FieldValues.Numbering paths) {
            this.paths = paths;
        }

        /** Takes rules that share one detection; they are filed once every rule is known (see {@link #keys}). */
        void add(List<Rule> rules, CompiledExpr detection, LogType type) {
            Expr expr = rules.get(0).detection();
            List<FieldRequirement> required = Requirements.of(expr, type);
            if (required == null) {
                return; // the detection can never hold
            }
            Map<String, FieldPath> spellings = new HashMap<>();
            spellings(expr, type, spellings);
            Set<Integer> ids = new LinkedHashSet<>();
            required.stream()
                    .sorted(Requirements.SELECTIVITY)
                    .forEach(r -> ids.add(condition(r, type, spellings.get(r.field()))));
            pending.add(new Pending(
                    rules,
                    detection,
                    type,
                    ids.stream().mapToInt(Integer::intValue).toArray()));
        }

        /**
         * The condition to file each pending rule of one log type under (null: checked on every event). Every
         * field a rule is filed under is read on every event of the type, and reading a field of a record that
         * is not in the cache is most of what a key costs, so keys are chosen to read few fields: a rule that
         * pins several fields is filed under one that other rules need read anyway (a rule pinning eventSource
         * and an eventName prefix under the prefix, once some rule needs eventName's prefixes), and only a rule
         * with no such field adds one, its best (see {@link #better}). Fields that are a rule's only keyable field
         * are needed in any case and taken first. A rule's other conditions are checked before its detection runs.
         */
        private Integer[] keys(List<Pending> ofType) {
            Set<Integer> keyFields = new LinkedHashSet<>();
            for (Pending p : ofType) {
                Set<Integer> fields = new LinkedHashSet<>();
                for (int c : p.conditions) {
                    if (conditions.get(c).kind() != Kind.PRESENT) {
                        fields.add(conditionField.get(c));
                    }
                }
                if (fields.size() == 1) {
                    keyFields.addAll(fields);
                }
            }
            Integer[] keys = new Integer[ofType.size()];
            List<Integer> open = new ArrayList<>(); // indexes into ofType of the rules not filed yet
            for (int i = 0; i < keys.length; i++) {
                open.add(i);
            }
            while (!open.isEmpty()) {
                for (Iterator<Integer> it = open.iterator(); it.hasNext(); ) {
                    int i = it.next();
                    keys[i] = best(ofType.get(i), keyFields);
                    if (keys[i] != null || best(ofType.get(i), null) == null) {
                        it.remove();
                    }
                }
                if (!open.isEmpty()) {
                    keyFields.add(conditionField.get(best(ofType.get(open.get(0)), null)));
                }
            }
            return keys;
        }

        /** The best condition of a rule to file it under among those on {@code fields} (any field when null). */
        private Integer best(Pending p, Set<Integer> fields) {
            Integer best = null;
            for (int c : p.conditions) {
                FieldRequirement r = conditions.get(c);
                if (r.kind() == Kind.PRESENT || (fields != null && !fields.contains(conditionField.get(c)))) {
                    continue; // presence is true of most events, so it keys nothing
                }
                if (best == null || better(c, best)) {
                    best = c;
                }
            }
            return best;
        }

        /**
         * Whether condition {@code c} is the better key (see {@link #rank}); of two literal conditions, the one with
         * the longest shortest literal.
         */
        private boolean better(int c, int best) {
            if (rank(c) != rank(best)) {
                return rank(c) < rank(best);
            }
            FieldRequirement r = conditions.get(c);
            return r.kind() == Kind.CONTAINS
                    && r.shortestLiteral() > conditions.get(best).shortestLiteral();
        }

        /**
         * How good a key a condition is, lowest best: equality on eventName (0), on eventSource (1), on another
         * field (2), a literal (3), and last an equality on another field that accepts several values and at least
         * half of those the rules name for the field (4): such a field has few values, so the condition lets most
         * events through ({@code userIdentity.type} in IAMUser, FederatedUser, AssumedRole), where a literal such
         * as an eventName prefix lets few.
         */
        private int rank(int c) {
            FieldRequirement r = conditions.get(c);
            if (r.kind() == Kind.CONTAINS) {
                return PREFERRED_FIELDS.size() + 1;
            }
            int preferred = PREFERRED_FIELDS.indexOf(r.field());
            if (preferred >= 0) {
                return preferred;
            }
            long accepted =
                    r.values().stream().map(CaseFoldMap::fold).distinct().count();
            boolean broad = accepted > 1 && 2 * accepted >= namedValues(conditionField.get(c));
            return broad ? PREFERRED_FIELDS.size() + 2 : PREFERRED_FIELDS.size();
        }

        /**
         * How many values, folded, the equality conditions on field {@code f} name together; asked once every
         * condition is known (when rules are filed), and remembered.
         */
        private int namedValues(int f) {
            return namedValues.computeIfAbsent(f, field -> {
                Set<String> named = new HashSet<>();
                for (int c = 0; c < conditions.size(); c++) {
                    if (conditionField.get(c) == field && conditions.get(c).kind() == Kind.EQUALS) {
                        conditions.get(c).values().forEach(v -> named.add(CaseFoldMap.fold(v)));
                    }
                }
                return named.size();
            });
        }

        private void file(Pending p, Integer key) {
            IndexBuilder index = byType.computeIfAbsent(p.type, t -> new IndexBuilder());
            int[] others = Arrays.stream(p.conditions)
                    .filter(c -> key == null || c != key)
                    .toArray();
            Candidate c = new Candidate(p.rules.toArray(new Rule[0]), p.detection, others);
            if (key == null) {
                index.always.add(c);
            } else {
                index.byCondition.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
            }
        }

        int condition(FieldRequirement r, LogType type, FieldPath spelling) {
            Integer id = conditionIds.get(withType(r, type));
            if (id != null) {
                return id;
            }
            int field = fieldIds.computeIfAbsent(type + " " + r.field(), k -> {
                // Same segments as the rule's path (a DeepKey step may hold a dot), keys matched ignoring case.
                String[] segments = new String[spelling.length()];
                for (int i = 0; i < segments.length; i++) {
                    segments[i] = spelling.segment(i);
                }
                fieldPaths.add(FieldPath.ofSegments(segments, true));
                fieldNames.add(spelling.text());
                return fieldPaths.size() - 1;
            });
            conditions.add(r);
            conditionField.add(field);
            conditionIds.put(withType(r, type), conditions.size() - 1);
            return conditions.size() - 1;
        }

        /** Conditions of different log types are different conditions (their fields are read differently). */
        private static FieldRequirement withType(FieldRequirement r, LogType type) {
            return new FieldRequirement(type + " " + r.field(), r.kind(), r.values(), r.literals());
        }

        CompiledMatcher build(List<Rule> enabled) {
            for (LogType type : LogType.values()) {
                List<Pending> ofType =
                        pending.stream().filter(p -> p.type == type).toList();
                Integer[] keys = keys(ofType);
                for (int i = 0; i < keys.length; i++) {
                    file(ofType.get(i), keys[i]);
                }
            }
            IndexedField[] fields = new IndexedField[fieldPaths.size()];
            for (int f = 0; f < fields.length; f++) {
                fields[f] = field(f);
            }
            int[] fieldOf = conditionField.stream().mapToInt(Integer::intValue).toArray();
            // One probe per part of a field that has conditions; a condition may be met by several parts (a
            // union of a prefix and a suffix, say), so it lists every probe of its field.
            List<Probe> probes = new ArrayList<>();
            int[][] probesOfField = new int[fields.length][];
            for (int f = 0; f < fields.length; f++) {
                IndexedField field = fields[f];
                List<Integer> ids = new ArrayList<>();
                for (Part part : Part.values()) {
                    boolean used = switch (part) {
                        case VALUES -> field.equalities != null || field.presentCondition >= 0;
                        case PREFIXES -> field.prefixes != null;
                        case SUFFIXES -> field.suffixes != null;
                        case SUBSTRINGS -> field.substrings != null;
                    };
                    if (used) {
                        ids.add(probes.size());
                        probes.add(new Probe(probes.size(), field, part, null)); // conditions once known
                    }
                }
                probesOfField[f] = ids.stream().mapToInt(Integer::intValue).toArray();
            }
            int[][] probesOf = new int[conditions.size()][];
            for (int c = 0; c < probesOf.length; c++) {
                probesOf[c] = probesOfCondition(conditions.get(c), probes, probesOfField[fieldOf[c]]);
            }
            for (int p = 0; p < probes.size(); p++) {
                int probe = p;
                int[] meets = IntStream.range(0, probesOf.length)
                        .filter(c -> conditions.get(c).kind() != Kind.PRESENT
                                && Arrays.stream(probesOf[c]).anyMatch(q -> q == probe))
                        .toArray();
                probes.set(p, new Probe(p, probes.get(p).field(), probes.get(p).part(), meets));
            }
            Index[] indexes = new Index[LogType.values().length];
            byType.forEach((type, b) -> {
                Candidate[][] byCondition = new Candidate[conditions.size()][];
                Set<Integer> keyFields = new TreeSet<>();
                Set<Integer> keyProbes = new TreeSet<>();
                b.byCondition.forEach((c, list) -> {
                    byCondition[c] = list.toArray(NONE);
                    keyFields.add(fieldOf[c]);
                    for (int p : probesOf[c]) {
                        keyProbes.add(p);
                    }
                });
                int[][] firstOthers = new int[byCondition.length][];
                for (int c = 0; c < byCondition.length; c++) {
                    firstOthers[c] = byCondition[c] == null ? null : firstOthers(byCondition[c]);
                }
                Candidate[] always = b.always.toArray(NONE);
                indexes[type.ordinal()] = new Index(
                        keyProbes.stream().mapToInt(Integer::intValue).toArray(),
                        keyFields.stream().mapToInt(Integer::intValue).toArray(),
                        byCondition,
                        firstOthers,
                        always,
                        firstOthers(always));
            });
            return new CompiledMatcher(
                    enabled, indexes, fields, fieldOf, probes.toArray(new Probe[0]), probesOf, paths.size());
        }

        /** Each candidate's first other condition (its most selective, see {@link #add}), -1 for none. */
        private static int[] firstOthers(Candidate[] candidates) {
            return Arrays.stream(candidates)
                    .mapToInt(c -> c.otherConditions.length == 0 ? -1 : c.otherConditions[0])
                    .toArray();
        }

        /** The probes of a condition's field that can meet it: the lookup for equality and presence, else the scans of its literals' places. */
        private static int[] probesOfCondition(FieldRequirement r, List<Probe> probes, int[] ofField) {
            List<Integer> out = new ArrayList<>();
            for (int p : ofField) {
                Part part = probes.get(p).part();
                boolean meets = switch (r.kind()) {
                    case EQUALS, PRESENT -> part == Part.VALUES;
                    case CONTAINS -> r.literals().stream().anyMatch(l -> part == placeOf(l));
                };
                if (meets) {
                    out.add(p);
                }
            }
            return out.stream().mapToInt(Integer::intValue).toArray();
        }

        /** Which scan looks for a literal; the builder of {@link #field} files literals the same way. */
        private static Part placeOf(Literal l) {
            return l.atStart() ? Part.PREFIXES : l.atEnd() ? Part.SUFFIXES : Part.SUBSTRINGS;
        }

        private IndexedField field(int f) {
            // Keyed by folded value: values that differ only in case are one key of the field's map.
            Map<String, List<Integer>> equal = new HashMap<>();
            Map<String, String> spelled = new HashMap<>();
            LiteralScanBuilder prefixes = new LiteralScanBuilder(false);
            LiteralScanBuilder suffixes = new LiteralScanBuilder(true);
            LiteralScanBuilder substrings = new LiteralScanBuilder(false);
            int present = -1;
            for (int c = 0; c < conditions.size(); c++) {
                if (conditionField.get(c) != f) {
                    continue;
                }
                FieldRequirement r = conditions.get(c);
                switch (r.kind()) {
                    case EQUALS -> {
                        for (String v : r.values()) {
                            String folded = CaseFoldMap.fold(v);
                            spelled.putIfAbsent(folded, v);
                            equal.computeIfAbsent(folded, k -> new ArrayList<>())
                                    .add(c);
                        }
                    }
                    case CONTAINS -> {
                        for (Literal l : r.literals()) {
                            switch (placeOf(l)) {
                                case PREFIXES -> prefixes.add(l.text(), c, l.atEnd());
                                case SUFFIXES -> suffixes.add(l.text(), c, false);
                                default -> substrings.add(l.text(), c, false);
                            }
                        }
                    }
                    case PRESENT -> present = c;
                }
            }
            Map<String, int[]> frozen = new HashMap<>();
            equal.forEach((v, cs) -> frozen.put(
                    spelled.get(v), cs.stream().mapToInt(Integer::intValue).toArray()));
            return new IndexedField(
                    paths.of(fieldPaths.get(f)),
                    fieldNames.get(f),
                    frozen.isEmpty() ? null : new CaseFoldMap<>(frozen),
                    prefixes.build(),
                    suffixes.build(),
                    substrings.build(),
                    present);
        }
    }

    /** Collects literals of one {@link LiteralScan}: each literal once, with the conditions it meets. */
    private static final class LiteralScanBuilder {
        final boolean reversed;
        final Map<String, Integer> ids = new LinkedHashMap<>();
        final List<Set<Integer>> conditions = new ArrayList<>();
        final List<Set<Integer>> wholeValue = new ArrayList<>();

        LiteralScanBuilder(boolean reversed) {
            this.reversed = reversed;
        }

        void add(String literal, int condition, boolean wholeValueOnly) {
            String key = reversed ? new StringBuilder(literal).reverse().toString() : literal;
            int id = ids.computeIfAbsent(key, k -> {
                conditions.add(new LinkedHashSet<>());
                wholeValue.add(new LinkedHashSet<>());
                return conditions.size() - 1;
            });
            (wholeValueOnly ? wholeValue : conditions).get(id).add(condition);
        }

        LiteralScan build() {
            if (ids.isEmpty()) {
                return null;
            }
            return new LiteralScan(new AhoCorasick(List.copyOf(ids.keySet())), frozen(conditions), frozen(wholeValue));
        }

        private static int[][] frozen(List<Set<Integer>> sets) {
            return sets.stream()
                    .map(set -> set.stream().mapToInt(Integer::intValue).toArray())
                    .toArray(int[][]::new);
        }
    }

    private static final class IndexBuilder {
        final Map<Integer, List<Candidate>> byCondition = new LinkedHashMap<>();
        final List<Candidate> always = new ArrayList<>();
    }

    /**
     * Records, for each index name, a raw spelling the rule uses, so the common lookup is one exact hash get on
     * the record (any spelling is correct: the index reads keys ignoring case).
     */
    private static void spellings(Expr e, LogType type, Map<String, FieldPath> out) {
        FieldPath path = e instanceof Expr.Match m
                ? m.field()
                : e instanceof Expr.Exists x
                        ? x.field()
                        : e instanceof Expr.IsNull n ? n.field() : e instanceof Expr.CompareFields c ? c.left() : null;
        if (path != null && !path.isSelf()) {
            out.putIfAbsent(Requirements.indexName(path, type), Requirements.rawPath(path, type));
        }
        if (e instanceof Expr.CompareFields c && !c.right().isSelf()) {
            out.putIfAbsent(Requirements.indexName(c.right(), type), Requirements.rawPath(c.right(), type));
        }
        if (!(e instanceof Expr.Elements) && !(e instanceof Expr.NamedList)) {
            dev.tripline.rule.Exprs.children(e).forEach(c -> spellings(c, type, out));
        }
    }

    /** Describes the index, for {@code rules validate --show-index} and tests. */
    public String describeIndex() {
        StringBuilder b = new StringBuilder();
        for (LogType type : LogType.values()) {
            Index idx = indexes[type.ordinal()];
            if (idx == null) {
                continue;
            }
            b.append(type).append(":");
            for (int f : idx.keyFields) {
                IndexedField field = fields[f];
                int keyed = 0;
                for (int c = 0; c < fieldOf.length; c++) {
                    if (fieldOf[c] == f && idx.byCondition[c] != null) {
                        keyed += Arrays.stream(idx.byCondition[c])
                                .mapToInt(x -> x.rules.length)
                                .sum();
                    }
                }
                b.append(' ').append(field.name).append(" (").append(keyed).append(keyed == 1 ? " rule" : " rules");
                if (field.equalities != null) {
                    b.append(", ").append(field.equalities.size()).append(" values");
                }
                if (field.literalCount() > 0) {
                    b.append(", ").append(field.literalCount()).append(" literals");
                }
                b.append(')');
            }
            b.append("; ")
                    .append(idx.always.length)
                    .append(" rules checked on every event")
                    .append(Arrays.stream(idx.always)
                            .flatMap(c -> Arrays.stream(c.rules))
                            .map(Rule::id)
                            .toList())
                    .append('\n');
        }
        return b.toString();
    }
}
