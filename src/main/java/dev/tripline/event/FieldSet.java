package dev.tripline.event;

import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields a rule program reads from an event, as a tree of key names: {@link EventParser} builds only these
 * out of each record and skips the rest without building it (docs/event-view.md, "Selective parsing").
 *
 * <p>A path names a <em>whole</em> value: what a rule tests at the end of a path may be an object or a list
 * whose string form it compares, so everything below the last key is kept. Steps the tree cannot follow key by
 * key keep everything below the key before them: {@code [json]} (the text is decoded at lookup time) and
 * {@code [N]} (a list index). Case-insensitive (Panther) paths keep every key equal to theirs ignoring case,
 * so the event's case-insensitive lookup finds the same first key as in the whole record. Alias and derived
 * names ({@link EcsAliases}) add the raw fields they are computed from, for both log types, since the log type
 * is only known per record. A field set that needs {@link #ALL} (a keyword search reads every value) makes the
 * parser build whole records.
 *
 * <p>Fields the parser itself reads to classify a record, place it in time and build its evidence are always
 * in ({@link #BASE}). Immutable once built; shared by every parse.
 */
public final class FieldSet implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Every field: the parser builds whole records. */
    public static final FieldSet ALL = new FieldSet(null, List.of());

    /**
     * What every event needs whatever the rules: the fields that decide the log type and the event time
     * ({@link EventParser}), the evidence every alert carries ({@code eventID}, {@code eventName},
     * {@code eventSource}, {@code awsRegion}; for Azure the operation, its provider and region) and
     * {@code account} and {@code principal}, which group and dedup every alert. Also the keys of the envelopes
     * a top-level object may turn out to be (EventBridge, CloudWatch Logs, a CloudTrail file whose Records is not
     * an array), whole: the parser knows only once it has read the object whether it is a record.
     */
    static final List<String> BASE = List.of(
            "eventVersion",
            "eventSource",
            "eventName",
            "eventTime",
            "@timestamp",
            "eventID",
            "awsRegion",
            "operationName",
            "category",
            "resourceId",
            "subscriptionId",
            "eventDataId",
            "time",
            "eventTimestamp",
            "azure.resource.provider",
            "cloud.region",
            "account",
            "principal",
            "detail",
            "detail-type",
            "messageType",
            "logEvents",
            "Records");

    /** The tree's root; null for {@link #ALL}. */
    private final Node root;

    private final List<FieldPath> paths;

    private FieldSet(Node root, List<FieldPath> paths) {
        this.root = root;
        this.paths = List.copyOf(paths);
    }

    /** True when every field is needed. */
    public boolean isAll() {
        return root == null;
    }

    /** The paths this set was built from (the base ones included), in the order added; empty for {@link #ALL}. */
    public List<FieldPath> paths() {
        return paths;
    }

    /** The root of the tree, null when every field is needed. */
    Node root() {
        return root;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * One key of the tree. {@link #all} keeps the whole value; otherwise an object value keeps only the children
     * named here, a list is read element by element against this same node (lookups fan out over lists at
     * every step) and a scalar is kept as it is.
     */
    static final class Node implements Serializable {
        private static final long serialVersionUID = 1L;

        boolean all;
        /** Children by exact key; each already merged with the case-insensitive child of the same folded key. */
        private Map<String, Node> exact = new HashMap<>(4);
        /** Children for case-insensitive paths, by folded key; null when there are none. */
        private CaseFoldMap<Node> folded;

        private transient Map<String, Node> foldedBuild;

        /**
         * The answers of recent {@link #child} calls, by the name's hash: a record's keys are the same few dozen
         * names over and over, and a name the tree does not hold exactly costs a case-folding lookup (hash and
         * compare every character) each time. Racy on purpose: an entry is immutable, so a thread sees either a
         * whole entry or a stale one it overwrites; lost updates only cost a recomputation.
         */
        private transient Lookup[] recent;

        private static final int RECENT = 64;

        /** A remembered {@link #child} answer; {@code node} null when the name is skipped. */
        private record Lookup(String name, Node node) {}

        /** The node for key {@code name} of an object at this node, or null to skip its value. */
        Node child(String name) {
            Lookup[] cache = recent;
            if (cache == null) {
                cache = new Lookup[RECENT];
                recent = cache;
            }
            int slot = name.hashCode() & (RECENT - 1);
            Lookup hit = cache[slot];
            if (hit != null && (hit.name == name || hit.name.equals(name))) {
                return hit.node;
            }
            Node n = exact.get(name);
            if (n == null && folded != null) {
                n = folded.get(name);
            }
            cache[slot] = new Lookup(name, n);
            return n;
        }

        private Node exactChild(String key) {
            // Interned like the names Jackson hands out (INTERN_FIELD_NAMES), so a lookup hit compares by identity.
            return exact.computeIfAbsent(key.intern(), k -> new Node());
        }

        private Node foldedChild(String key) {
            if (foldedBuild == null) {
                foldedBuild = new LinkedHashMap<>();
            }
            return foldedBuild.computeIfAbsent(CaseFoldMap.fold(key), k -> new Node());
        }

        /** Makes the tree below ready for lookups: exact children absorb the case-insensitive ones they match. */
        private void freeze() {
            if (all) {
                exact = Map.of();
                foldedBuild = null;
                return;
            }
            if (foldedBuild != null) {
                for (Map.Entry<String, Node> e : exact.entrySet()) {
                    Node f = foldedBuild.get(CaseFoldMap.fold(e.getKey()));
                    if (f != null) {
                        e.getValue().mergeFrom(f);
                    }
                }
                foldedBuild.values().forEach(Node::freeze);
                folded = new CaseFoldMap<>(foldedBuild);
                foldedBuild = null;
            }
            exact.values().forEach(Node::freeze);
        }

        /** Adds everything {@code other} keeps to this node (a deep copy: nodes are never shared). */
        private void mergeFrom(Node other) {
            if (other.all) {
                all = true;
            }
            for (Map.Entry<String, Node> e : other.exact.entrySet()) {
                exactChild(e.getKey()).mergeFrom(e.getValue());
            }
            if (other.foldedBuild != null) {
                for (Map.Entry<String, Node> e : other.foldedBuild.entrySet()) {
                    foldedChild(e.getKey()).mergeFrom(e.getValue());
                }
            }
        }
    }

    /** Collects paths; {@link #build} freezes them into a field set. Not thread-safe. */
    public static final class Builder {
        private final Node root = new Node();
        private final Set<FieldPath> paths = new LinkedHashSet<>();
        private boolean everything;

        private Builder() {
            BASE.forEach(p -> add(FieldPath.of(p)));
        }

        /**
         * Needs {@code path} as the event view looks it up: the raw path (whole text as one key too), and for an
         * alias or derived name the raw fields behind it on either log type.
         */
        public Builder add(FieldPath path) {
            if (path.isSelf()) {
                everything = true; // the record itself
                return this;
            }
            paths.add(path);
            addRaw(path);
            EcsAliases.Alias alias = EcsAliases.match(path);
            if (alias != null) {
                if (alias.computed() == null) {
                    addRaw(EcsAliases.canonical(path));
                } else {
                    addComputed(alias.computed());
                }
            }
            EcsAliases.Alias azure = EcsAliases.match(LogType.AZURE_ACTIVITY, path);
            if (azure != null) {
                addComputed(azure.computed());
            }
            return this;
        }

        /** Needs every field: a keyword search, or anything else that reads the whole record. */
        public Builder addEverything() {
            everything = true;
            return this;
        }

        public FieldSet build() {
            if (everything) {
                return ALL;
            }
            root.freeze();
            return new FieldSet(root, List.copyOf(paths));
        }

        private void addComputed(EcsAliases.Computed which) {
            for (String raw : CloudTrailFields.reads(which)) {
                addRaw(FieldPath.of(raw));
            }
            for (String raw : AzureFields.reads(which)) {
                addRaw(FieldPath.of(raw));
            }
        }

        /** The raw path as {@link Event}'s lookup walks it, and its whole text as one key (tried first). */
        private void addRaw(FieldPath path) {
            Node n = root;
            boolean ci = path.caseInsensitiveKeys();
            for (int i = 0; i < path.length() && !n.all; i++) {
                String seg = path.segment(i);
                if (FieldPath.isJsonStep(seg) || isListIndex(seg)) {
                    break; // decoded or indexed at lookup time: keep the whole value reached so far
                }
                n = ci ? n.foldedChild(seg) : n.exactChild(seg);
            }
            n.all = true;
            if (path.length() > 1) {
                root.exactChild(path.text()).all = true;
            }
        }

        private static boolean isListIndex(String seg) {
            return seg.length() >= 3 && seg.charAt(0) == '[' && seg.charAt(seg.length() - 1) == ']';
        }
    }
}
