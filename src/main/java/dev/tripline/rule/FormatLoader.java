package dev.tripline.rule;

import dev.tripline.rule.yaml.YamlMap;
import java.util.List;
import org.yaml.snakeyaml.nodes.Node;

/** Loads one rule format. {@link RuleLoader} parses YAML and hands each file to the loader that recognises it. */
public interface FormatLoader {

    /** True if a file whose first document is {@code firstDocument} is in this format. */
    boolean recognizes(YamlMap firstDocument);

    /** Loads every document of one file into {@code sink}; problems are recorded there, never thrown. */
    void load(SourceFile file, List<Node> documents, LoadSink sink);

    /** Runs once after every file is loaded: cross-file checks such as correlation references. */
    default void finish(LoadSink sink) {}
}
