package dev.tripline.rule;

import dev.tripline.rule.yaml.SafeYaml;
import dev.tripline.rule.yaml.YamlMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads rule files and directories into one {@link RuleSet}, collecting every error of every file in one run.
 * Files ending in {@code .yml}/{@code .yaml} (and {@code .toml}, Elastic's rule files) are read (directories
 * recursively, in name order); sidecar test files ({@code *.tests.yml}) belong to the rule beside them and are
 * left to its format's loader.
 */
public final class RuleLoader {
    private final RuleLoadOptions options;
    private final List<FormatLoader> formats;

    public RuleLoader(RuleLoadOptions options, List<FormatLoader> formats) {
        this.options = options;
        this.formats = List.copyOf(formats);
    }

    /**
     * A loader for every format Tripline reads: Sigma (rules and correlations), Panther-style YAML and Elastic's
     * detection-rule TOML.
     */
    public static RuleLoader standard(RuleLoadOptions options) {
        return new RuleLoader(
                options,
                List.of(
                        new dev.tripline.rule.sigma.SigmaLoader(),
                        new dev.tripline.rule.panther.PantherLoader(),
                        new dev.tripline.rule.elastic.ElasticLoader()));
    }

    /**
     * The outcome of a load: the rules that loaded, every error and warning, and the rule files that were read
     * (name and text, so that a caller can tell two loads of the same files apart from a change).
     */
    public record Result(RuleSet ruleSet, List<LoadError> errors, List<LoadError> warnings, List<SourceFile> files) {
        public boolean ok() {
            return errors.isEmpty();
        }
    }

    public Result load(List<Path> paths) {
        List<SourceFile> files = new ArrayList<>();
        LoadSink sink = new LoadSink(options);
        for (Path p : paths) {
            collect(p, files, sink);
        }
        return load(files, sink);
    }

    /** Loads in-memory files (tests, the live-update stream). */
    public Result loadFiles(List<SourceFile> files) {
        return load(files, new LoadSink(options));
    }

    private Result load(List<SourceFile> files, LoadSink sink) {
        for (SourceFile f : files) {
            loadOne(f, sink);
        }
        for (FormatLoader format : formats) {
            try {
                format.finish(sink);
            } catch (RuntimeException e) {
                sink.error(SourceLocation.ofFile("(all files)"), "internal error while resolving references: " + e);
            }
        }
        checkUniqueIds(sink);
        return new Result(
                new RuleSet(sink.rules(), sink.correlations(), sink.filters()),
                List.copyOf(sink.errors()),
                List.copyOf(sink.warnings()),
                List.copyOf(files));
    }

    private void collect(Path p, List<SourceFile> files, LoadSink sink) {
        if (Files.isDirectory(p)) {
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path f : walk.filter(Files::isRegularFile)
                        .filter(q -> picks(p, q))
                        .sorted(Comparator.comparing(Path::toString))
                        .toList()) {
                    read(f, files, sink);
                }
            } catch (IOException e) {
                sink.error(SourceLocation.ofFile(p.toString()), "cannot read directory: " + e.getMessage());
            }
        } else if (Files.isRegularFile(p)) {
            read(p, files, sink);
        } else {
            sink.error(SourceLocation.ofFile(p.toString()), "no such file or directory");
        }
    }

    /**
     * Whether a directory load of {@code root} reads {@code file}, a regular file below it: a YAML file that is
     * not a sidecar test file nor test-sources, and not under a hidden directory. Whoever reads a rule directory
     * by other means (the watcher of live updates) picks files with this, so that both see the same set.
     */
    public static boolean picks(Path root, Path file) {
        return isRuleFile(file) && !underHiddenDirectory(root, file);
    }

    /**
     * Whether {@code file} lies in a directory below {@code root} whose name starts with a dot. A Kubernetes
     * ConfigMap volume keeps every file twice: the visible name is a symbolic link into a hidden
     * {@code ..<timestamp>} directory, so walking into that directory would load each rule a second time and fail
     * the duplicate-id check; {@code .git} and editor folders are skipped for the same reason.
     */
    static boolean underHiddenDirectory(Path root, Path file) {
        Path parent = root.relativize(file).getParent();
        if (parent == null) {
            return false;
        }
        for (Path part : parent) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    public static boolean isRuleFile(Path p) {
        String n = p.getFileName().toString();
        return (n.endsWith(".yml") || n.endsWith(".yaml") || n.endsWith(TOML)) && !isSidecar(p) && !isTestSources(p);
    }

    /** Elastic's detection rules are TOML files; the format that reads them says so with {@code fileSuffix}. */
    private static final String TOML = ".toml";

    /** {@code test-sources.yml} lists external labelled events for the rule tests; it is not a rule. */
    public static boolean isTestSources(Path p) {
        String n = p.getFileName().toString();
        return n.equals("test-sources.yml") || n.equals("test-sources.yaml");
    }

    /** Sigma sidecar test files: {@code <rule>.tests.yml}. */
    public static boolean isSidecar(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".tests.yml") || n.endsWith(".tests.yaml");
    }

    private void read(Path f, List<SourceFile> files, LoadSink sink) {
        String name = f.toString();
        try {
            long size = Files.size(f);
            if (size > options.maxFileBytes()) {
                sink.error(
                        SourceLocation.ofFile(name),
                        "file is " + size + " bytes, over the limit of " + options.maxFileBytes());
                return;
            }
            byte[] bytes = Files.readAllBytes(f);
            String text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            files.add(new SourceFile(name, f, text));
        } catch (CharacterCodingException e) {
            sink.error(SourceLocation.ofFile(name), "file is not valid UTF-8 text");
        } catch (IOException e) {
            sink.error(SourceLocation.ofFile(name), "cannot read file: " + e.getMessage());
        }
    }

    private void loadOne(SourceFile f, LoadSink sink) {
        if (f.text().length() > options.maxFileBytes()) {
            sink.error(
                    SourceLocation.ofFile(f.name()), "file is over the limit of " + options.maxFileBytes() + " bytes");
            return;
        }
        for (FormatLoader format : formats) {
            if (format.fileSuffix().filter(f.name()::endsWith).isPresent()) {
                try {
                    format.loadText(f, sink);
                } catch (RuntimeException e) {
                    sink.error(
                            SourceLocation.ofFile(f.name()),
                            "internal error while loading this file (please report): " + e);
                }
                return;
            }
        }
        // Until a format recognises the file, it may be anything: its errors quote nothing from it.
        SafeYaml.Parsed parsed = SafeYaml.parseAll(f.name(), f.text());
        parsed.errors().forEach(e -> sink.error(NonRuleText.redact(e, f.text())));
        if (parsed.documents().isEmpty()) {
            if (parsed.errors().isEmpty()) {
                sink.error(SourceLocation.ofFile(f.name()), "file holds no YAML document");
            }
            return;
        }
        YamlMap first;
        try {
            first = SafeYaml.map(f.name(), parsed.documents().get(0), "a rule document");
        } catch (RuleSyntaxException e) {
            sink.error(NonRuleText.redact(e.toLoadError(), f.text()));
            return;
        }
        for (FormatLoader format : formats) {
            if (format.recognizes(first)) {
                try {
                    format.load(f, parsed.documents(), sink);
                } catch (RuntimeException e) {
                    // A loader bug must cost one file, not the whole rule set: report it where it happened.
                    sink.error(first.location(), "internal error while loading this file (please report): " + e);
                }
                return;
            }
        }
        sink.error(
                first.location(),
                "not a rule in a known format: expected a Sigma rule (title, logsource, "
                        + "detection), a Sigma correlation (correlation), a Sigma filter (filter) or a Panther rule "
                        + "(AnalysisType: rule)");
    }

    /**
     * Ids, and the Sigma names correlations refer to rules by, must each name one rule: a second rule under a
     * name already taken would let a correlation quietly consume the wrong one.
     */
    private static void checkUniqueIds(LoadSink sink) {
        record Named(String kind, String value, SourceLocation at) {}
        List<Named> all = new ArrayList<>();
        sink.rules().forEach(r -> {
            all.add(new Named("id", r.id(), r.location()));
            all.add(new Named("name", r.name(), r.location()));
        });
        sink.correlations().forEach(c -> {
            all.add(new Named("id", c.id(), c.location()));
            all.add(new Named("name", c.name(), c.location()));
        });
        sink.filters().forEach(f -> all.add(new Named("id", f.id(), f.location())));
        Map<String, SourceLocation> seen = new HashMap<>();
        for (Named n : all) {
            if (n.value() == null) {
                continue;
            }
            SourceLocation first = seen.putIfAbsent(n.kind() + "\u0000" + n.value(), n.at());
            if (first != null) {
                sink.error(
                        n.at(), "duplicate rule " + n.kind() + " '" + n.value() + "' (first defined at " + first + ")");
            }
        }
    }
}
