package dev.tripline.rule;

import java.nio.file.Path;

/** One rule file: the name used in error locations, its path on disk (null for in-memory text), its text. */
public record SourceFile(String name, Path path, String text) {}
