package dev.tripline.rule.sigma;

import dev.tripline.event.FieldPath;
import dev.tripline.rule.Expr;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import dev.tripline.rule.ValuePredicate;
import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Compiles a Sigma {@code detection} section into an {@link Expr}: search identifiers (maps = AND, lists = OR,
 * scalars = keyword search), value modifiers, and the condition. Every problem is a {@link LoadError} at the
 * key or value that caused it; one bad search identifier does not hide the errors of the others.
 *
 * <p>YAML aliases share nodes, so a small file can describe a huge tree; compilation visits at most
 * {@value #MAX_NODES} nodes per detection and stops there.
 */
final class SigmaDetection {
    static final int MAX_NODES = 100_000;
    static final int MAX_ALTERNATIVES = 1024;

    private static final Set<String> NUMBER_OPS = Set.of("gt", "gte", "lt", "lte");
    private static final Map<String, ChronoField> DATE_PARTS = Map.of(
            "minute",
            ChronoField.MINUTE_OF_HOUR,
            "hour",
            ChronoField.HOUR_OF_DAY,
            "day",
            ChronoField.DAY_OF_MONTH,
            "week",
            ChronoField.ALIGNED_WEEK_OF_YEAR,
            "month",
            ChronoField.MONTH_OF_YEAR,
            "year",
            ChronoField.YEAR);
    private static final Map<String, String> ALIASES =
            Map.of("wide", "utf16le", "i", "ignorecase", "m", "multiline", "s", "dotall");
    private static final Set<String> KNOWN = Set.of(
            "contains",
            "startswith",
            "endswith",
            "all",
            "base64",
            "base64offset",
            "utf16le",
            "utf16be",
            "utf16",
            "windash",
            "re",
            "ignorecase",
            "multiline",
            "dotall",
            "cidr",
            "exists",
            "fieldref",
            "gt",
            "gte",
            "lt",
            "lte",
            "neq",
            "minute",
            "hour",
            "day",
            "week",
            "month",
            "year",
            "expand",
            "cased");
    private static final Set<String> REGEX_FLAGS = Set.of("ignorecase", "multiline", "dotall");
    private static final Set<String> ENCODINGS = Set.of("utf16le", "utf16be", "utf16");
    private static final Set<String> BASE64 = Set.of("base64", "base64offset");
    private static final Set<String> POSITION = Set.of("contains", "startswith", "endswith");
    private static final Pattern WINDASH = Pattern.compile("\\B[-/]\\b");
    private static final List<String> DASHES = List.of("-", "/", "\u2013", "\u2014", "\u2015");

    private final String file;
    private final Map<String, List<String>> globalPlaceholders;
    private final Map<String, Map<String, List<String>>> accountPlaceholders;
    /** The values {@link #expand} uses: the global ones, or one account's while its variant is built. */
    private Map<String, List<String>> placeholders;

    private int budget = MAX_NODES;

    SigmaDetection(String file, Map<String, List<String>> placeholders) {
        this(file, placeholders, Map.of());
    }

    SigmaDetection(
            String file,
            Map<String, List<String>> placeholders,
            Map<String, Map<String, List<String>>> accountPlaceholders) {
        this.file = file;
        this.globalPlaceholders = placeholders;
        this.accountPlaceholders = accountPlaceholders;
        this.placeholders = placeholders;
    }

    /** Compiles the whole detection map; returns null and adds to {@code errors} when anything is wrong. */
    Expr compile(YamlMap detection, List<LoadError> errors) {
        return compile(detection, Set.of(), errors);
    }

    /**
     * Compiles a detection map whose {@code otherKeys} are not search identifiers (a filter's {@code rules});
     * returns null and adds to {@code errors} when anything is wrong.
     */
    Expr compile(YamlMap detection, Set<String> otherKeys, List<LoadError> errors) {
        if (detection.has("timeframe")) {
            errors.add(new LoadError(
                    detection.keyLocation("timeframe"),
                    "legacy 'timeframe' key is not part of "
                            + "Sigma 2 (it belonged to the old '| count()' aggregations); rewrite the rule as a Sigma "
                            + "correlation rule with a 'timespan'"));
        }
        Node condition = detection.get("condition");
        if (condition == null) {
            errors.add(new LoadError(detection.location(), "detection has no 'condition'"));
        }
        Map<String, Expr> identifiers = new LinkedHashMap<>();
        for (Map.Entry<String, NodeTuple> e : detection.entries().entrySet()) {
            String name = e.getKey();
            if (name.equals("condition") || name.equals("timeframe") || otherKeys.contains(name)) {
                continue;
            }
            SourceLocation keyAt = SafeYaml.at(file, e.getValue().getKeyNode());
            if (name.isEmpty()
                    || !name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.')) {
                errors.add(new LoadError(
                        keyAt, "search identifier '" + name + "' may only hold letters, digits, '_', '-' and '.'"));
                continue;
            }
            try {
                identifiers.put(name, definition(e.getValue().getValueNode()));
            } catch (RuleSyntaxException ex) {
                errors.add(ex.toLoadError());
            }
        }
        if (identifiers.isEmpty() && errors.isEmpty()) {
            errors.add(new LoadError(detection.location(), "detection defines no search identifier"));
        }
        if (!errors.isEmpty()) {
            return null;
        }
        try {
            return condition(condition, identifiers);
        } catch (RuleSyntaxException ex) {
            errors.add(ex.toLoadError());
            return null;
        }
    }

    private Expr condition(Node node, Map<String, Expr> identifiers) {
        if (node instanceof SequenceNode seq) {
            if (seq.getValue().isEmpty()) {
                throw new RuleSyntaxException(at(node), "condition list is empty");
            }
            List<Expr> alternatives = new ArrayList<>();
            for (Node item : seq.getValue()) {
                alternatives.add(oneCondition(item, identifiers));
            }
            return Expr.or(alternatives);
        }
        return oneCondition(node, identifiers);
    }

    private Expr oneCondition(Node node, Map<String, Expr> identifiers) {
        if (!(node instanceof ScalarNode s) || SafeYaml.isNull(node)) {
            throw new RuleSyntaxException(at(node), "condition must be a string, found " + SafeYaml.kind(node));
        }
        return SigmaCondition.parse(s.getValue(), identifiers, offsetLocator(s));
    }

    /** Maps an offset inside a scalar's value to a file position; exact for single-line plain and quoted scalars. */
    private IntFunction<SourceLocation> offsetLocator(ScalarNode s) {
        SourceLocation start = at(s);
        DumperOptions.ScalarStyle style = s.getScalarStyle();
        boolean oneLine = s.getStartMark().getLine() == s.getEndMark().getLine();
        if (!oneLine || style == DumperOptions.ScalarStyle.LITERAL || style == DumperOptions.ScalarStyle.FOLDED) {
            return offset -> start;
        }
        boolean escapesShift =
                style == DumperOptions.ScalarStyle.DOUBLE_QUOTED && s.getValue().indexOf('\\') >= 0;
        int shift = style == DumperOptions.ScalarStyle.PLAIN ? 0 : 1;
        if (escapesShift) {
            return offset -> start;
        }
        return offset -> new SourceLocation(file, start.line(), start.column() + shift + offset);
    }

    // ---- search identifiers ----

    private void spend(Node node) {
        if (--budget < 0) {
            throw new RuleSyntaxException(
                    at(node),
                    "detection expands to more than " + MAX_NODES
                            + " YAML nodes (alias bomb?); refusing to compile it");
        }
    }

    private Expr definition(Node node) {
        spend(node);
        if (node instanceof MappingNode) {
            YamlMap map = SafeYaml.map(file, node, "a search identifier");
            if (map.keys().isEmpty()) {
                throw new RuleSyntaxException(at(node), "empty map: a search identifier needs at least one field");
            }
            List<Expr> terms = new ArrayList<>();
            for (NodeTuple t : map.entries().values()) {
                terms.add(item(t.getKeyNode(), t.getValueNode()));
            }
            return Expr.and(terms);
        }
        if (node instanceof SequenceNode seq) {
            if (seq.getValue().isEmpty()) {
                throw new RuleSyntaxException(at(node), "empty list: a search identifier needs at least one entry");
            }
            List<Expr> alternatives = new ArrayList<>();
            for (Node item : seq.getValue()) {
                alternatives.add(definition(item));
            }
            return Expr.or(alternatives);
        }
        if (SafeYaml.isNull(node)) {
            throw new RuleSyntaxException(at(node), "a search identifier cannot be null");
        }
        // A bare scalar is a keyword: looked for anywhere in the event, as a substring.
        String raw = ((ScalarNode) node).getValue();
        checkReserved(raw, node);
        return new Expr.Keyword(SigmaPattern.toTest(SigmaPattern.wrap(SigmaPattern.parse(raw), true, true), false));
    }

    /** One {@code field|modifiers: value(s)} entry of a map. */
    private Expr item(Node keyNode, Node valueNode) {
        spend(valueNode);
        String key = SafeYaml.scalar(file, keyNode, "a field name");
        SourceLocation keyAt = at(keyNode);
        String[] parts = key.split("\\|", -1);
        String field = parts[0];
        List<String> written = new ArrayList<>(List.of(parts).subList(1, parts.length));
        List<String> mods = new ArrayList<>();
        for (String w : written) {
            if (w.isEmpty()) {
                throw new RuleSyntaxException(keyAt, "empty modifier in '" + key + "'");
            }
            String canonical = ALIASES.getOrDefault(w, w);
            if (!KNOWN.contains(canonical)) {
                throw new RuleSyntaxException(keyAt, "unknown modifier '" + w + "'");
            }
            if (mods.contains(canonical)) {
                throw new RuleSyntaxException(keyAt, "modifier '" + w + "' is given twice");
            }
            mods.add(canonical);
        }
        checkModifiers(mods, written, keyAt);
        FieldPath path = field.isEmpty() ? null : FieldPath.of(field);
        boolean all = mods.contains("all");
        boolean neq = mods.contains("neq");

        List<Node> values = new ArrayList<>();
        if (valueNode instanceof SequenceNode seq) {
            for (Node v : seq.getValue()) {
                spend(v);
                if (!(v instanceof ScalarNode)) {
                    throw new RuleSyntaxException(
                            at(v), "a value list may only hold single values, found " + SafeYaml.kind(v));
                }
                values.add(v);
            }
            if (values.isEmpty()) {
                throw new RuleSyntaxException(at(valueNode), "empty value list for '" + key + "'");
            }
        } else if (valueNode instanceof MappingNode) {
            throw new RuleSyntaxException(
                    at(valueNode),
                    "the value of '" + key + "' must be a single value or a list of values, found a map");
        } else {
            values.add(valueNode);
        }
        if (all && values.size() < 2) {
            throw new RuleSyntaxException(keyAt, "modifier 'all' needs a list of at least two values");
        }

        Expr combined;
        if (mods.contains("exists")) {
            combined = exists(path, values.get(0), keyAt, values.size());
        } else {
            Set<String> scoped = mods.contains("expand") ? overriddenAccounts(values) : Set.of();
            combined = scoped.isEmpty()
                    ? values(path, mods, values, keyAt, all)
                    : perAccount(path, mods, values, keyAt, all, scoped);
        }
        return neq ? new Expr.Not(combined) : combined;
    }

    private Expr values(FieldPath path, List<String> mods, List<Node> values, SourceLocation keyAt, boolean all) {
        List<Expr> perValue = new ArrayList<>();
        for (Node v : values) {
            perValue.add(value(path, mods, (ScalarNode) v, keyAt));
        }
        return all ? Expr.and(perValue) : combineOr(path, perValue);
    }

    /** The accounts that override a placeholder these values use; empty when none does. */
    private Set<String> overriddenAccounts(List<Node> values) {
        Set<String> accounts = new TreeSet<>();
        for (Node v : values) {
            String raw = ((ScalarNode) v).getValue();
            for (Map.Entry<String, Map<String, List<String>>> e : accountPlaceholders.entrySet()) {
                if (raw.contains("%" + e.getKey() + "%")) {
                    accounts.addAll(e.getValue().keySet());
                }
            }
        }
        return accounts;
    }

    /**
     * An item whose placeholder values depend on the event's account (derived field {@code account}):
     * {@code (account not overridden and <global values>) or (account = A and <A's values>) or ...}.
     * Rules stay plain expressions, so both evaluators and the index treat them like any other. An account's
     * variant takes each placeholder's value for that account, falling back to the global value.
     */
    private Expr perAccount(
            FieldPath path,
            List<String> mods,
            List<Node> values,
            SourceLocation keyAt,
            boolean all,
            Set<String> accounts) {
        FieldPath account = FieldPath.of("account");
        List<Expr> arms = new ArrayList<>();
        arms.add(Expr.and(List.of(
                new Expr.Not(new Expr.Match(account, new ValuePredicate.OneOf(accounts, true))),
                values(path, mods, values, keyAt, all))));
        try {
            for (String a : accounts) {
                Map<String, List<String>> variant = new LinkedHashMap<>(globalPlaceholders);
                for (Map.Entry<String, Map<String, List<String>>> e : accountPlaceholders.entrySet()) {
                    List<String> own = e.getValue().get(a);
                    if (own != null) {
                        variant.put(e.getKey(), own);
                    }
                }
                placeholders = variant;
                arms.add(Expr.and(List.of(
                        new Expr.Match(account, new ValuePredicate.Text(ValuePredicate.Mode.EQUALS, a, true)),
                        values(path, mods, values, keyAt, all))));
            }
        } finally {
            placeholders = globalPlaceholders;
        }
        return Expr.or(arms);
    }

    private void checkModifiers(List<String> mods, List<String> written, SourceLocation at) {
        if (mods.contains("exists") && mods.size() > 1) {
            throw new RuleSyntaxException(
                    at,
                    "modifier 'exists' cannot be combined with other modifiers ('"
                            + written.stream()
                                    .filter(w -> !w.equals("exists"))
                                    .findFirst()
                                    .orElse("") + "')");
        }
        if (mods.contains("re") && mods.indexOf("re") != 0) {
            throw new RuleSyntaxException(at, "modifier 're' must be the first modifier");
        }
        if (mods.contains("cidr") && mods.indexOf("cidr") != 0) {
            throw new RuleSyntaxException(at, "modifier 'cidr' must be the first modifier");
        }
        for (int i = 0; i < mods.size(); i++) {
            String m = mods.get(i);
            String w = written.get(i);
            if (REGEX_FLAGS.contains(m) && !mods.contains("re")) {
                throw new RuleSyntaxException(at, "modifier '" + w + "' is only valid after 're'");
            }
        }
        Set<String> listMods = Set.of("all", "neq");
        if (mods.contains("re")) {
            rejectOthers(mods, written, at, "re", union(REGEX_FLAGS, listMods, Set.of("re")));
        }
        if (mods.contains("cidr")) {
            rejectOthers(mods, written, at, "cidr", union(listMods, Set.of("cidr")));
        }
        if (mods.contains("fieldref")) {
            rejectOthers(mods, written, at, "fieldref", union(POSITION, listMods, Set.of("fieldref", "cased")));
        }
        long numberOps = mods.stream().filter(NUMBER_OPS::contains).count();
        long dateParts = mods.stream().filter(DATE_PARTS::containsKey).count();
        if (numberOps > 1) {
            throw new RuleSyntaxException(at, "only one of 'gt', 'gte', 'lt', 'lte' may be given");
        }
        if (dateParts > 1) {
            throw new RuleSyntaxException(
                    at, "only one of 'minute', 'hour', 'day', 'week', 'month', 'year' may be given");
        }
        if (numberOps + dateParts > 0) {
            String first = mods.stream()
                    .filter(m -> NUMBER_OPS.contains(m) || DATE_PARTS.containsKey(m))
                    .findFirst()
                    .orElseThrow();
            rejectOthers(mods, written, at, first, union(NUMBER_OPS, DATE_PARTS.keySet(), listMods));
            if (numberOps == 1 && dateParts == 1) {
                int op = indexOfAny(mods, NUMBER_OPS);
                int part = indexOfAny(mods, DATE_PARTS.keySet());
                if (op < part) {
                    throw new RuleSyntaxException(
                            at, "modifier '" + written.get(op) + "' must come after '" + written.get(part) + "'");
                }
            }
        }
        if (mods.stream().filter(POSITION::contains).count() > 1) {
            throw new RuleSyntaxException(at, "only one of 'contains', 'startswith', 'endswith' may be given");
        }
        if (mods.stream().filter(BASE64::contains).count() > 1) {
            throw new RuleSyntaxException(at, "modifiers 'base64' and 'base64offset' cannot be combined");
        }
        if (mods.stream().filter(ENCODINGS::contains).count() > 1) {
            throw new RuleSyntaxException(at, "only one of 'utf16le'/'wide', 'utf16be', 'utf16' may be given");
        }
        int b64 = indexOfAny(mods, BASE64);
        int enc = indexOfAny(mods, ENCODINGS);
        if (enc >= 0 && (b64 < 0 || b64 < enc)) {
            throw new RuleSyntaxException(
                    at, "modifier '" + written.get(enc) + "' must be followed by 'base64' or 'base64offset'");
        }
        int windash = mods.indexOf("windash");
        if (windash >= 0 && b64 >= 0 && windash > b64) {
            throw new RuleSyntaxException(at, "modifier 'windash' must come before '" + written.get(b64) + "'");
        }
        int expand = mods.indexOf("expand");
        if (expand >= 0) {
            for (int i = 0; i < expand; i++) {
                if (mods.get(i).equals("windash") || ENCODINGS.contains(mods.get(i)) || BASE64.contains(mods.get(i))) {
                    throw new RuleSyntaxException(at, "modifier 'expand' must come before '" + written.get(i) + "'");
                }
            }
        }
        if (mods.contains("cased") && b64 >= 0) {
            throw new RuleSyntaxException(
                    at,
                    "modifier 'cased' cannot be combined with '" + written.get(b64)
                            + "' (base64 matching is always case-sensitive)");
        }
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> out = new HashSet<>();
        for (Set<String> s : sets) {
            out.addAll(s);
        }
        return out;
    }

    private static int indexOfAny(List<String> mods, Set<String> set) {
        for (int i = 0; i < mods.size(); i++) {
            if (set.contains(mods.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static void rejectOthers(
            List<String> mods, List<String> written, SourceLocation at, String owner, Set<String> allowed) {
        for (int i = 0; i < mods.size(); i++) {
            if (!allowed.contains(mods.get(i))) {
                throw new RuleSyntaxException(
                        at, "modifier '" + written.get(i) + "' cannot be combined with '" + owner + "'");
            }
        }
    }

    private Expr exists(FieldPath path, Node value, SourceLocation keyAt, int count) {
        if (path == null) {
            throw new RuleSyntaxException(keyAt, "modifier 'exists' needs a field name");
        }
        if (count != 1 || !(value instanceof ScalarNode s) || !s.getTag().equals(Tag.BOOL)) {
            throw new RuleSyntaxException(at(value), "modifier 'exists' takes a single true or false");
        }
        boolean want = s.getValue().equalsIgnoreCase("true");
        Expr e = new Expr.Exists(path);
        return want ? e : new Expr.Not(e);
    }

    private Expr leaf(FieldPath path, ValuePredicate test) {
        return path == null ? new Expr.Keyword(test) : new Expr.Match(path, test);
    }

    /** ORs per-value expressions; plain equality values collapse into one hash lookup. */
    private Expr combineOr(FieldPath path, List<Expr> perValue) {
        if (perValue.size() < 2 || path == null) {
            return Expr.or(perValue);
        }
        Set<String> values = new LinkedHashSet<>();
        Boolean cased = null;
        for (Expr e : perValue) {
            if (!(e instanceof Expr.Match m)
                    || !(m.test() instanceof ValuePredicate.Text t)
                    || t.mode() != ValuePredicate.Mode.EQUALS
                    || (cased != null && cased != t.caseSensitive())) {
                return Expr.or(perValue);
            }
            cased = t.caseSensitive();
            values.add(t.value());
        }
        return new Expr.Match(path, new ValuePredicate.OneOf(values, cased));
    }

    /** One value of an item, with the item's modifiers applied. */
    private Expr value(FieldPath path, List<String> mods, ScalarNode node, SourceLocation keyAt) {
        SourceLocation valueAt = at(node);
        String raw = node.getValue();
        if (SafeYaml.isNull(node)) {
            boolean onlyList = mods.stream().allMatch(m -> m.equals("neq"));
            if (!onlyList) {
                throw new RuleSyntaxException(valueAt, "null cannot be used with modifier '" + mods.get(0) + "'");
            }
            if (path == null) {
                throw new RuleSyntaxException(valueAt, "a keyword search cannot be null");
            }
            return new Expr.IsNull(path, false);
        }
        checkReserved(raw, node);
        if (mods.contains("re")) {
            try {
                return leaf(
                        path,
                        SigmaRegex.compile(
                                raw, mods.contains("ignorecase"), mods.contains("multiline"), mods.contains("dotall")));
            } catch (IllegalArgumentException e) {
                throw new RuleSyntaxException(valueAt, e.getMessage());
            }
        }
        if (mods.contains("cidr")) {
            try {
                return leaf(path, ValuePredicate.Cidr.parse(raw.trim()));
            } catch (IllegalArgumentException e) {
                throw new RuleSyntaxException(valueAt, "modifier 'cidr': " + e.getMessage());
            }
        }
        String numberOp = mods.stream().filter(NUMBER_OPS::contains).findFirst().orElse(null);
        String datePart =
                mods.stream().filter(DATE_PARTS::containsKey).findFirst().orElse(null);
        if (numberOp != null || datePart != null) {
            BigDecimal n;
            try {
                n = new BigDecimal(raw.trim());
            } catch (NumberFormatException e) {
                throw new RuleSyntaxException(
                        valueAt,
                        "modifier '" + (numberOp != null ? numberOp : datePart) + "' needs a number, found '" + raw
                                + "'");
            }
            ValuePredicate.NumberOp op = numberOp == null
                    ? ValuePredicate.NumberOp.EQ
                    : ValuePredicate.NumberOp.valueOf(numberOp.toUpperCase(Locale.ROOT));
            ValuePredicate.NumberCompare compare = new ValuePredicate.NumberCompare(op, n);
            return leaf(
                    path, datePart == null ? compare : new ValuePredicate.DatePart(DATE_PARTS.get(datePart), compare));
        }
        boolean cased = mods.contains("cased");
        if (mods.contains("fieldref")) {
            if (path == null) {
                throw new RuleSyntaxException(keyAt, "modifier 'fieldref' needs a field name");
            }
            if (raw.contains("*") || raw.contains("?") || raw.isBlank()) {
                throw new RuleSyntaxException(
                        valueAt, "modifier 'fieldref' needs a plain field name, found '" + raw + "'");
            }
            ValuePredicate.Mode mode = mods.contains("contains")
                    ? ValuePredicate.Mode.CONTAINS
                    : mods.contains("startswith")
                            ? ValuePredicate.Mode.PREFIX
                            : mods.contains("endswith") ? ValuePredicate.Mode.SUFFIX : ValuePredicate.Mode.EQUALS;
            return new Expr.CompareFields(path, FieldPath.of(raw), mode, cased);
        }
        return stringValue(path, mods, raw, valueAt, cased);
    }

    private Expr stringValue(FieldPath path, List<String> mods, String raw, SourceLocation valueAt, boolean cased) {
        List<String> patterns = new ArrayList<>();
        if (mods.contains("expand")) {
            for (String expanded : expand(raw, valueAt)) {
                patterns.add(SigmaPattern.parse(expanded));
            }
        } else {
            patterns.add(SigmaPattern.parse(raw));
        }
        String encoding = null;
        boolean base64 = false;
        for (String m : mods) {
            switch (m) {
                case "windash" -> {
                    List<String> out = new ArrayList<>();
                    for (String p : patterns) {
                        out.addAll(windash(p, valueAt));
                    }
                    patterns = out;
                }
                case "utf16le", "utf16be", "utf16" -> encoding = m;
                case "base64", "base64offset" -> {
                    List<String> out = new ArrayList<>();
                    for (String p : patterns) {
                        if (SigmaPattern.hasWildcard(p)) {
                            throw new RuleSyntaxException(
                                    valueAt,
                                    "modifier '" + m + "' cannot encode wildcards; "
                                            + "escape '*' and '?' or drop them (value '" + SigmaPattern.display(p)
                                            + "')");
                        }
                        byte[] bytes = encode(p, encoding);
                        if (m.equals("base64")) {
                            out.add(Base64.getEncoder().encodeToString(bytes));
                        } else {
                            out.addAll(base64Offsets(bytes));
                        }
                    }
                    patterns = out;
                    base64 = true;
                }
                case "contains" ->
                    patterns = patterns.stream()
                            .map(p -> SigmaPattern.wrap(p, true, true))
                            .toList();
                case "startswith" ->
                    patterns = patterns.stream()
                            .map(p -> SigmaPattern.wrap(p, false, true))
                            .toList();
                case "endswith" ->
                    patterns = patterns.stream()
                            .map(p -> SigmaPattern.wrap(p, true, false))
                            .toList();
                default -> {
                    // all, neq, cased, expand: handled around this method
                }
            }
            if (patterns.size() > MAX_ALTERNATIVES) {
                throw new RuleSyntaxException(
                        valueAt, "value expands to more than " + MAX_ALTERNATIVES + " alternatives");
            }
        }
        if (path == null && mods.stream().noneMatch(POSITION::contains)) {
            // A keyword ('|all': [...] and other modifiers on no field) searches for text anywhere in the event,
            // as a bare keyword does, not for whole values.
            patterns =
                    patterns.stream().map(p -> SigmaPattern.wrap(p, true, true)).toList();
        }
        boolean caseSensitive = cased || base64;
        List<Expr> alternatives = new ArrayList<>();
        for (String p : patterns) {
            alternatives.add(leaf(path, SigmaPattern.toTest(p, caseSensitive)));
        }
        return path == null ? Expr.or(alternatives) : combineOr(path, alternatives);
    }

    private static byte[] encode(String literal, String encoding) {
        if (encoding == null) {
            return literal.getBytes(StandardCharsets.UTF_8);
        }
        return switch (encoding) {
            case "utf16le" -> literal.getBytes(StandardCharsets.UTF_16LE);
            case "utf16be" -> literal.getBytes(StandardCharsets.UTF_16BE);
            default -> {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                b.write(0xFF);
                b.write(0xFE);
                b.writeBytes(literal.getBytes(StandardCharsets.UTF_16LE));
                yield b.toByteArray();
            }
        };
    }

    /**
     * The three base64 forms of {@code value} as it would appear at byte offsets 0, 1 and 2 of a longer encoded
     * text, each trimmed of the characters that depend on the surrounding bytes.
     */
    static List<String> base64Offsets(byte[] value) {
        int[] start = {0, 2, 3};
        int[] endTrim = {0, 3, 2};
        List<String> out = new ArrayList<>(3);
        for (int i = 0; i < 3; i++) {
            byte[] shifted = new byte[value.length + i];
            for (int k = 0; k < i; k++) {
                shifted[k] = ' ';
            }
            System.arraycopy(value, 0, shifted, i, value.length);
            String enc = Base64.getEncoder().encodeToString(shifted);
            int end = enc.length() - endTrim[(value.length + i) % 3];
            out.add(start[i] <= end ? enc.substring(start[i], end) : "");
        }
        return out;
    }

    /** Every variant of the pattern with each option-introducing dash or slash replaced by each dash form. */
    private static List<String> windash(String pattern, SourceLocation at) {
        List<Integer> positions = new ArrayList<>();
        Matcher m = WINDASH.matcher(pattern);
        while (m.find()) {
            positions.add(m.start());
        }
        List<String> out = new ArrayList<>();
        out.add(pattern);
        for (int pos : positions) {
            List<String> next = new ArrayList<>();
            for (String p : out) {
                for (String d : DASHES) {
                    next.add(p.substring(0, pos) + d + p.substring(pos + 1));
                    if (next.size() > MAX_ALTERNATIVES) {
                        throw new RuleSyntaxException(
                                at,
                                "modifier 'windash' expands the value into more than " + MAX_ALTERNATIVES
                                        + " alternatives");
                    }
                }
            }
            out = next;
        }
        return out;
    }

    /** Replaces {@code %name%} placeholders; a placeholder with several values multiplies the alternatives. */
    private List<String> expand(String raw, SourceLocation at) {
        List<String> out = new ArrayList<>();
        out.add("");
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length() && raw.charAt(i + 1) == '%') {
                literal.append('%');
                i += 2;
                continue;
            }
            if (c == '\\' && i + 1 < raw.length()) {
                literal.append(c).append(raw.charAt(i + 1)); // other escapes are Sigma string escapes, kept
                i += 2;
                continue;
            }
            if (c == '%') {
                int close = raw.indexOf('%', i + 1);
                if (close > i + 1) {
                    String name = raw.substring(i + 1, close);
                    List<String> values = placeholders.get(name);
                    if (values == null) {
                        throw new RuleSyntaxException(
                                at,
                                "unresolved placeholder '%" + name + "%' (modifier 'expand'): "
                                        + "supply its values in the load options");
                    }
                    String prefix = literal.toString();
                    literal.setLength(0);
                    List<String> next = new ArrayList<>();
                    for (String o : out) {
                        for (String v : values) {
                            next.add(o + prefix + v);
                            if (next.size() > MAX_ALTERNATIVES) {
                                throw new RuleSyntaxException(
                                        at,
                                        "placeholders expand the value into more than " + MAX_ALTERNATIVES
                                                + " alternatives");
                            }
                        }
                    }
                    out = next;
                    i = close + 1;
                    continue;
                }
            }
            literal.append(c);
            i++;
        }
        String tail = literal.toString();
        return out.stream().map(o -> o + tail).toList();
    }

    private void checkReserved(String raw, Node node) {
        if (SigmaPattern.hasReservedChars(raw)) {
            throw new RuleSyntaxException(
                    at(node),
                    "value holds private-use characters U+E000/U+E001, " + "which Tripline reserves for wildcards");
        }
    }

    private SourceLocation at(Node node) {
        return SafeYaml.at(file, node);
    }
}
