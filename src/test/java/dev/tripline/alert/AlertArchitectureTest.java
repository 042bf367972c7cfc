package dev.tripline.alert;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Alerts build on the event view and the rule model only, so the CLI, correlation engine and Flink job share them. */
@AnalyzeClasses(packages = "dev.tripline", importOptions = ImportOption.DoNotIncludeTests.class)
class AlertArchitectureTest {

    @ArchTest
    static final ArchRule alertImportsOnlyEventAndRule = noClasses()
            .that()
            .resideInAPackage("dev.tripline.alert..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.apache.flink..",
                    "dev.tripline.match..",
                    "dev.tripline.correlate..",
                    "dev.tripline.cli..",
                    "dev.tripline.job..",
                    "dev.tripline.io..",
                    "dev.tripline.flink..")
            .because("alerts may use dev.tripline.event and dev.tripline.rule only");
}
