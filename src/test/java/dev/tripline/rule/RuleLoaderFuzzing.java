package dev.tripline.rule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The check every rule-loader fuzz test makes: a rule file, whatever its text, loads into rules or into load
 * errors with a location; nothing escapes as an exception and no loader reaches its "internal error" net (a
 * RuntimeException that {@link RuleLoader} caught for it).
 */
public final class RuleLoaderFuzzing {
    private RuleLoaderFuzzing() {}

    public static void check(FormatLoader format, byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        RuleLoader loader = new RuleLoader(RuleLoadOptions.defaults(), List.of(format));
        RuleLoader.Result result = loader.loadFiles(List.of(new SourceFile("fuzz.yml", null, text)));
        for (LoadError e : result.errors()) {
            assertThat(e.location()).as("location of %s", e).isNotNull();
            assertThat(e.message()).doesNotContain("internal error");
        }
    }
}
