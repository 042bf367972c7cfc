package dev.tripline.rule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tripline.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rule files are untrusted input: thousands of corrupted variants of real rules (truncated, bytes flipped,
 * lines swapped or duplicated) must each load into errors or rules, never an exception, and every error must
 * carry a location inside the file.
 */
class MutatedRuleFilesTest {
    private static final String PUNCTUATION = ":-|*[]{}'\"\\#&!%@`,?>\n\t ";

    @Test
    void corruptedRulesNeverThrow() throws IOException {
        List<Path> originals = new ArrayList<>();
        try (Stream<Path> s =
                Stream.concat(Files.walk(Path.of("rules")), Files.walk(SharedData.path("corpus/sigmahq-aws/rules")))) {
            s.filter(p -> p.toString().endsWith(".yml")).sorted().forEach(originals::add);
        }
        Random random = new Random(20261123L);
        RuleLoader loader = RuleLoader.standard(RuleLoadOptions.defaults()
                .withPlaceholders(java.util.Map.of("approved_regions", List.of("us-east-1"))));
        int variants = 0;
        int withErrors = 0;
        for (Path original : originals) {
            String text = Files.readString(original);
            for (int k = 0; k < 12; k++) {
                String mutated = mutate(text, random);
                String name = original.getFileName() + "#" + k;
                RuleLoader.Result r = loader.loadFiles(List.of(new SourceFile(name, null, mutated)));
                variants++;
                if (!r.errors().isEmpty()) {
                    withErrors++;
                }
                for (LoadError e : r.errors()) {
                    assertThat(e.location().file()).as(e.toString()).isEqualTo(name);
                    assertThat(e.location().line()).as(e.toString()).isPositive();
                    assertThat(e.message()).as("a loader threw").doesNotContain("internal error");
                }
            }
        }
        assertThat(variants).isGreaterThan(2000);
        assertThat(withErrors).as("most corruptions are caught").isGreaterThan(variants / 3);
    }

    private static String mutate(String text, Random random) {
        StringBuilder b = new StringBuilder(text);
        switch (random.nextInt(4)) {
            case 0 -> b.setLength(random.nextInt(Math.max(1, b.length())));
            case 1 -> {
                for (int i = 0; i < 1 + random.nextInt(4) && b.length() > 0; i++) {
                    b.setCharAt(random.nextInt(b.length()), PUNCTUATION.charAt(random.nextInt(PUNCTUATION.length())));
                }
            }
            case 2 -> {
                String[] lines = text.split("\n", -1);
                int a = random.nextInt(lines.length);
                int c = random.nextInt(lines.length);
                String t = lines[a];
                lines[a] = lines[c];
                lines[c] = t;
                return String.join("\n", lines);
            }
            default -> {
                String[] lines = text.split("\n", -1);
                int a = random.nextInt(lines.length);
                b = new StringBuilder();
                for (int i = 0; i < lines.length; i++) {
                    b.append(lines[i]).append('\n');
                    if (i == a) {
                        b.append(lines[i]).append('\n');
                    }
                }
            }
        }
        return b.toString();
    }
}
