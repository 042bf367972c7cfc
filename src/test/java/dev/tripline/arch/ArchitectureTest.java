package dev.tripline.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Keeps the core (event view, rules, matcher, correlation engine) free of Flink, so it is tested with plain
 * JUnit and reused by the CLI; and keeps dependencies pointing down the table in ARCHITECTURE.md.
 */
@AnalyzeClasses(packages = "dev.tripline", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule coreIsFreeOfFlink = noClasses()
            .that().resideInAnyPackage("dev.tripline.event..", "dev.tripline.rule..", "dev.tripline.match..",
                    "dev.tripline.correlate..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.flink..")
            .because("only job, io and flink may import Flink");

    @ArchTest
    static final ArchRule eventDependsOnNothingOfOurs = noClasses()
            .that().resideInAPackage("dev.tripline.event..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.tripline.rule..", "dev.tripline.match..",
                    "dev.tripline.correlate..", "dev.tripline.cli..", "dev.tripline.job..", "dev.tripline.io..")
            .because("the event view sits at the bottom of the package table");

    @ArchTest
    static final ArchRule ruleDoesNotDependOnMatching = noClasses()
            .that().resideInAPackage("dev.tripline.rule..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.tripline.match..", "dev.tripline.correlate..",
                    "dev.tripline.cli..", "dev.tripline.job..")
            .because("rules are a model; matching and correlation build on it");

    @ArchTest
    static final ArchRule matchDoesNotDependOnUpperLayers = noClasses()
            .that().resideInAPackage("dev.tripline.match..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.tripline.correlate..", "dev.tripline.cli..",
                    "dev.tripline.job..", "dev.tripline.io..")
            .because("the matcher is used by the correlation engine and the CLI, not the other way round");
}
