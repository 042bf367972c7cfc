package dev.tripline.rule.yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.rule.LoadError;
import dev.tripline.rule.RuleSyntaxException;
import dev.tripline.rule.SourceLocation;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Loads rule YAML safely and keeps positions: every file becomes node trees whose marks give file:line:col.
 *
 * <p>Untrusted input: no custom tags or object construction (nodes only), at most {@value #MAX_ALIASES}
 * aliases per file, nesting at most {@value #MAX_DEPTH} deep, at most {@value #MAX_CODE_POINTS} code points,
 * and conversion to JSON expands at most {@value #MAX_EXPANDED_NODES} nodes, which stops alias bombs.
 *
 * <p>Plain scalars resolve as YAML 1.2's core schema (null, true/false, ints, floats): {@code yes}, {@code on}
 * and unquoted dates stay strings, as Panther's loader reads them and as rule authors expect.
 */
public final class SafeYaml {
    public static final int MAX_ALIASES = 50;
    public static final int MAX_DEPTH = 64;
    public static final int MAX_CODE_POINTS = 4 * 1024 * 1024;
    public static final int MAX_EXPANDED_NODES = 200_000;

    /**
     * One resolver for every file: it only reads its patterns once built, and building them per file compiled
     * four regular expressions each time (a twentieth of a rule directory's load).
     */
    private static final Resolver CORE_12 = new Core12Resolver();

    private SafeYaml() {}

    /** The documents of one file and the syntax errors met; documents before an error are kept. */
    public record Parsed(List<Node> documents, List<LoadError> errors) {}

    public static Parsed parseAll(String file, String text) {
        List<Node> docs = new ArrayList<>();
        List<LoadError> errors = new ArrayList<>();
        if (text.codePointCount(0, text.length()) > MAX_CODE_POINTS) {
            errors.add(new LoadError(
                    SourceLocation.ofFile(file),
                    "file is larger than " + MAX_CODE_POINTS + " characters; refusing to parse it"));
            return new Parsed(docs, errors);
        }
        LoaderOptions options = loaderOptions();
        LastEvent parser = new LastEvent(new ParserImpl(new StreamReader(new StringReader(text)), options));
        Composer composer = new Composer(parser, CORE_12, options);
        try {
            while (composer.checkNode()) {
                Node doc = composer.getNode();
                if (doc != null) {
                    docs.add(doc);
                }
            }
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
            if (e.getContext() != null) {
                what = e.getContext() + ": " + what;
            }
            errors.add(new LoadError(m == null ? SourceLocation.ofFile(file) : at(file, m), "YAML syntax: " + what));
        } catch (YAMLException e) {
            // SnakeYAML reports its limits (aliases, nesting) without a mark: the event it had just read when the
            // limit was hit (the alias, or the list or map one level too deep) is where the file crossed it.
            Event last = parser.last;
            errors.add(new LoadError(
                    last == null ? SourceLocation.ofFile(file) : at(file, last.getStartMark()),
                    "YAML rejected: " + e.getMessage()));
        }
        return new Parsed(docs, errors);
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setAllowRecursiveKeys(false);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setProcessComments(false);
        return options;
    }

    /** A parser that remembers the last event it handed out, so that a limit error can say where it was hit. */
    private static final class LastEvent implements Parser {
        private final Parser parser;
        Event last;

        LastEvent(Parser parser) {
            this.parser = parser;
        }

        @Override
        public boolean checkEvent(Event.ID choice) {
            return parser.checkEvent(choice);
        }

        @Override
        public Event peekEvent() {
            return parser.peekEvent();
        }

        @Override
        public Event getEvent() {
            last = parser.getEvent();
            return last;
        }
    }

    public static SourceLocation at(String file, Node node) {
        return at(file, node.getStartMark());
    }

    public static SourceLocation at(String file, Mark mark) {
        return new SourceLocation(file, mark.getLine() + 1, mark.getColumn() + 1);
    }

    /** A mapping node as an ordered map; duplicate or non-scalar keys are errors at their location. */
    public static YamlMap map(String file, Node node, String what) {
        if (!(node instanceof MappingNode m)) {
            throw new RuleSyntaxException(at(file, node), what + " must be a map, found " + kind(node));
        }
        return YamlMap.of(file, m);
    }

    /** The scalar's text; an error if the node is not a scalar. */
    public static String scalar(String file, Node node, String what) {
        if (!(node instanceof ScalarNode s)) {
            throw new RuleSyntaxException(at(file, node), what + " must be a single value, found " + kind(node));
        }
        return s.getValue();
    }

    /** A node that may be a scalar or a list of scalars, as a list of strings. */
    public static List<String> scalarList(String file, Node node, String what) {
        List<String> out = new ArrayList<>();
        if (node instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                out.add(scalar(file, item, what + " item"));
            }
        } else if (isNull(node)) {
            return out;
        } else {
            out.add(scalar(file, node, what));
        }
        return out;
    }

    public static boolean isNull(Node node) {
        return node instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    public static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a map";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        return isNull(node) ? "null" : "'" + ((ScalarNode) node).getValue() + "'";
    }

    /** Converts a node tree to JSON, typing scalars by their resolved tag; aliases are expanded within a budget. */
    public static JsonNode toJson(String file, Node node) {
        int[] budget = {MAX_EXPANDED_NODES};
        return toJson(file, node, budget);
    }

    private static JsonNode toJson(String file, Node node, int[] budget) {
        if (--budget[0] < 0) {
            throw new RuleSyntaxException(
                    at(file, node), "YAML expands to more than " + MAX_EXPANDED_NODES + " nodes (alias bomb?)");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (node instanceof MappingNode m) {
            ObjectNode o = f.objectNode();
            for (NodeTuple t : m.getValue()) {
                String key = scalar(file, t.getKeyNode(), "a key");
                o.set(key, toJson(file, t.getValueNode(), budget));
            }
            return o;
        }
        if (node instanceof SequenceNode s) {
            ArrayNode a = f.arrayNode();
            for (Node item : s.getValue()) {
                a.add(toJson(file, item, budget));
            }
            return a;
        }
        ScalarNode s = (ScalarNode) node;
        Tag tag = s.getTag();
        String v = s.getValue();
        if (tag.equals(Tag.NULL)) {
            return f.nullNode();
        }
        if (tag.equals(Tag.BOOL)) {
            return f.booleanNode(v.equalsIgnoreCase("true"));
        }
        if (tag.equals(Tag.INT)) {
            return f.numberNode(parseInt(v));
        }
        if (tag.equals(Tag.FLOAT)) {
            try {
                return f.numberNode(new BigDecimal(v));
            } catch (NumberFormatException e) {
                return f.textNode(v); // .inf / .nan: keep the text
            }
        }
        return f.textNode(v);
    }

    private static BigInteger parseInt(String v) {
        String t = v.startsWith("+") ? v.substring(1) : v;
        if (t.startsWith("0x")) {
            return new BigInteger(t.substring(2), 16);
        }
        if (t.startsWith("0o")) {
            return new BigInteger(t.substring(2), 8);
        }
        return new BigInteger(t);
    }

    /** YAML 1.2 core schema resolution for plain scalars; immutable once constructed, so shared. */
    static final class Core12Resolver extends Resolver {
        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.NULL, Pattern.compile("^(?:~|null|Null|NULL|)$"), "~nN\0");
            addImplicitResolver(Tag.BOOL, Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF");
            addImplicitResolver(Tag.INT, Pattern.compile("^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), "-+0123456789");
            addImplicitResolver(
                    Tag.FLOAT,
                    Pattern.compile(
                            "^(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$"),
                    "-+0123456789.");
        }
    }
}
