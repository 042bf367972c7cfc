package dev.tripline.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the package picture of docs/architecture.md true: the test reads the package table from that file, so
 * the doc is the single list of layers. Every class under {@code dev.tripline} must sit in a package of the
 * table, use only the packages its row allows, import Flink only where the row says so, and no two packages may
 * depend on each other in a cycle.
 */
class ArchitectureTest {
    static final Path DOC = Path.of("docs/architecture.md");
    static final String ROOT = "dev.tripline";
    private static final Pattern NAME = Pattern.compile("`([a-z.]+)`");

    /** One row of the package table. */
    record Layer(String pkg, List<String> mayUse, boolean flink) {
        String pattern() {
            return ROOT + "." + pkg + "..";
        }
    }

    static JavaClasses classes;
    static List<Layer> layers;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
        layers = readTable(DOC);
    }

    /** The rows between the {@code packages} markers of the doc. */
    static List<Layer> readTable(Path doc) {
        List<String> lines;
        try {
            lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Layer> out = new ArrayList<>();
        boolean inside = false;
        for (String line : lines) {
            if (line.startsWith("<!-- packages:")) {
                inside = true;
            } else if (line.startsWith("<!-- end packages")) {
                inside = false;
            } else if (inside && line.startsWith("| `")) {
                String[] cells = line.split("\\|", -1);
                if (cells.length != 6) {
                    throw new IllegalStateException(doc + ": a package row needs 4 cells: " + line);
                }
                Matcher pkg = NAME.matcher(cells[1]);
                if (!pkg.find()) {
                    throw new IllegalStateException(doc + ": no package name in " + line);
                }
                List<String> mayUse = new ArrayList<>();
                Matcher used = NAME.matcher(cells[3]);
                while (used.find()) {
                    mayUse.add(used.group(1));
                }
                out.add(new Layer(pkg.group(1), mayUse, cells[4].trim().equals("yes")));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException(doc + ": no package table between the packages markers");
        }
        return out;
    }

    /** The layered architecture the table describes; also fails on a class in no listed package. */
    static ArchRule layered(List<Layer> table) {
        Map<String, Layer> byName = new LinkedHashMap<>();
        table.forEach(l -> byName.put(l.pkg(), l));
        Architectures.LayeredArchitecture arch = Architectures.layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .ensureAllClassesAreContainedInArchitecture();
        for (Layer l : table) {
            arch = arch.layer(l.pkg()).definedBy(l.pattern());
        }
        for (Layer l : table) {
            for (String used : l.mayUse()) {
                if (!byName.containsKey(used)) {
                    throw new IllegalStateException(
                            DOC + ": '" + l.pkg() + "' may use '" + used + "', which is not a row of the table");
                }
            }
            arch = l.mayUse().isEmpty()
                    ? arch.whereLayer(l.pkg()).mayNotAccessAnyLayer()
                    : arch.whereLayer(l.pkg()).mayOnlyAccessLayers(l.mayUse().toArray(String[]::new));
        }
        return arch.because("docs/architecture.md lists what each package may use");
    }

    @Test
    void packagesUseOnlyWhatTheTableAllows() {
        layered(layers).check(classes);
    }

    @Test
    void packagesDependOnEachOtherWithoutCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void onlyTheRowsMarkedFlinkImportIt() {
        String[] plain =
                layers.stream().filter(l -> !l.flink()).map(Layer::pattern).toArray(String[]::new);
        assertThat(plain).as("the table marks some packages as free of Flink").isNotEmpty();
        noClasses()
                .that()
                .resideInAnyPackage(plain)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.apache.flink..")
                .because("docs/architecture.md marks these packages as plain Java")
                .check(classes);
    }

    @Test
    void theTableIsReadAsWritten() {
        assertThat(layers).extracting(Layer::pkg).startsWith("cli").contains("flink", "io", "program", "event");
        Layer event =
                layers.stream().filter(l -> l.pkg().equals("event")).findFirst().orElseThrow();
        assertThat(event.mayUse()).isEmpty();
        Layer io = layers.stream().filter(l -> l.pkg().equals("io")).findFirst().orElseThrow();
        assertThat(io.mayUse()).contains("flink").doesNotContain("job", "cli");
    }
}
