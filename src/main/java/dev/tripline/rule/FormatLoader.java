package dev.tripline.rule;

import dev.tripline.rule.yaml.YamlMap;
import java.util.List;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Loads one rule format. {@link RuleLoader} parses YAML and hands each file to the loader that recognises it; a
 * format whose files are not YAML names its file ending ({@link #fileSuffix}) and reads those files' text itself.
 */
public interface FormatLoader {

    /** True if a file whose first document is {@code firstDocument} is in this format. */
    boolean recognizes(YamlMap firstDocument);

    /** Loads every document of one file into {@code sink}; problems are recorded there, never thrown. */
    void load(SourceFile file, List<Node> documents, LoadSink sink);

    /** The ending of the files this format reads as text rather than YAML (e.g. {@code .toml}); empty for YAML. */
    default Optional<String> fileSuffix() {
        return Optional.empty();
    }

    /** Loads one file that {@link #fileSuffix} picked, from its text; problems are recorded, never thrown. */
    default void loadText(SourceFile file, LoadSink sink) {
        throw new UnsupportedOperationException("a YAML format reads no text files");
    }

    /** Runs once after every file is loaded: cross-file checks such as correlation references. */
    default void finish(LoadSink sink) {}
}
