package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tripline.report.HuntResults;
import dev.tripline.testing.Flagship;
import dev.tripline.testing.MultiRegionArchive;
import dev.tripline.testing.SharedData;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tripline hunt --expect} and {@code --report} over the multi-region archive with the flagship rules: a
 * right expectation passes with exit 0 and JUnit XML without failures, a wrong one lists each difference and exits
 * 4, a bad file is refused at file:line:col before any hunt; the report loads in a real headless Chromium, runs its
 * script to the end without a console error, and shows every alert and every correlation's evidence chain.
 */
class HuntBacktestReportTest {
    /** Each planted sequence fires each of the flagship's two plans once. */
    static final int PER_PLAN = MultiRegionArchive.PLANTED_SEQUENCES;

    @TempDir
    static Path dir;

    static Path archive;
    static Path report;
    static List<JsonNode> alerts;

    @BeforeAll
    static void huntWithReport() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(SharedData.path("data/invictus-aws-stratus")), "needs ../shared");
        MultiRegionArchive.write(dir.resolve("archive"));
        archive = dir.resolve("archive/AWSLogs");
        report = dir.resolve("out/report.html");
        Path out = dir.resolve("alerts.jsonl");
        HuntCommandTest.Result r = hunt("-o", out.toString(), "--report", report.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("report written to " + report);
        alerts = RunCommandTest.lines(out);
        assertThat(alerts).hasSize(2 * PER_PLAN);
    }

    static HuntCommandTest.Result hunt(String... options) {
        List<String> args = new ArrayList<>(List.of(
                "hunt", "--rules", Flagship.FILE, "--parallelism", "2", "--progress", "none", archive.toString()));
        args.addAll(List.of(options));
        return HuntCommandTest.main(args.toArray(String[]::new));
    }

    /** The group key of the region plan's alert for the planted principal {@code n}. */
    static String plantedGroup(int n) {
        return alerts.stream()
                .filter(a -> a.at("/rule/id").asText().equals(Flagship.REGION_PLAN))
                .map(a -> HuntResults.groupKey(a.get("group")))
                .filter(g -> g.contains("planted-" + n))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aRightExpectationPassesWithJUnitXmlWithoutFailures() throws Exception {
        Path expect = dir.resolve("right.yml");
        Files.writeString(expect, """
                rules:
                  %s: %d
                  %s: %d
                groups:
                  %s:
                    "%s": 1
                """.formatted(
                Flagship.REGION_PLAN, PER_PLAN, Flagship.KEY_PLAN, PER_PLAN, Flagship.REGION_PLAN, plantedGroup(0)));
        Path xml = dir.resolve("right.xml");
        HuntCommandTest.Result r = hunt(
                "-o",
                dir.resolve("right.jsonl").toString(),
                "--expect",
                expect.toString(),
                "--junit-xml",
                xml.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("backtest " + expect + ": 3 of 3 checks passed");
        String junit = Files.readString(xml);
        assertThat(junit).contains("tests=\"3\"").contains("failures=\"0\"").doesNotContain("<failure");
    }

    @Test
    void aWrongExpectationListsEachDifferenceAndExitsFour() throws Exception {
        Path expect = dir.resolve("wrong.yml");
        Files.writeString(expect, """
                rules:
                  %s: %d
                  %s: 0
                groups:
                  %s:
                    "%s": 2
                """.formatted(
                        Flagship.REGION_PLAN, PER_PLAN, Flagship.KEY_PLAN, Flagship.REGION_PLAN, plantedGroup(1)));
        Path xml = dir.resolve("wrong.xml");
        HuntCommandTest.Result r = hunt(
                "-o",
                dir.resolve("wrong.jsonl").toString(),
                "--expect",
                expect.toString(),
                "--junit-xml",
                xml.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(HuntCommand.BACKTEST_DIFFERS);
        assertThat(r.err())
                .contains("2 of 3 checks differ")
                .contains(Flagship.KEY_PLAN + ": expected 0 alerts, got " + PER_PLAN)
                .contains(Flagship.REGION_PLAN + " [" + plantedGroup(1) + "]: expected 2 alerts, got 1");
        String junit = Files.readString(xml);
        assertThat(junit).contains("tests=\"3\"").contains("failures=\"2\"");
        assertThat(junit.split("<failure", -1)).hasSize(3);
    }

    @Test
    void aBadExpectationFileIsRefusedAtItsLineBeforeTheHunt() throws Exception {
        Path expect = dir.resolve("bad.yml");
        Files.writeString(expect, "rules:\n  no-such-rule: 3\n  " + Flagship.KEY_PLAN + ": many\n");
        HuntCommandTest.Result r = hunt("--expect", expect.toString());
        assertThat(r.code()).isEqualTo(JobOptions.BAD_USAGE);
        assertThat(r.err())
                .contains(expect + ":2:3")
                .contains("'no-such-rule' is not the id of a loaded rule or correlation")
                .contains(expect + ":3:")
                .contains("'many' is not a count")
                .doesNotContain("files,");
    }

    @Test
    void theReportLoadsInHeadlessChromiumAndShowsEveryAlertAndEvidenceChain() throws Exception {
        String html = Files.readString(report, StandardCharsets.UTF_8);
        // Nothing to fetch at view time: no external script, style, image or frame (the CSP forbids them too).
        assertThat(html).doesNotContainPattern("(src|href)\\s*=\\s*\"?[a-z]+:").doesNotContain("<link");

        Browser.Page page = Browser.load(report, dir.resolve("report.png"));
        assertThat(page.consoleErrors()).as(page.log()).isEmpty();
        // The script at the end of the page ran and counted one timeline mark per alert.
        assertThat(page.dom()).contains("data-ready=\"" + alerts.size() + "\"");
        for (JsonNode a : alerts) {
            String id = a.get("alert_id").asText();
            assertThat(page.dom()).contains("<article class=\"chain\" data-alert-id=\"" + id + "\"");
            for (JsonNode e : a.get("evidence")) {
                assertThat(page.dom()).contains(e.get("eventID").asText());
            }
        }
        assertThat(page.dom())
                .contains("EnableRegion")
                .contains("RunInstances")
                .contains("CreateAccessKey")
                .contains("planted-0");
        assertThat(Files.size(dir.resolve("report.png"))).isPositive();
    }

    /** Headless Chromium from the system (Debian's package; .ci/run installs it). */
    static final class Browser {
        record Page(String dom, String log) {
            /** Console errors and refused loads the browser logged. */
            List<String> consoleErrors() {
                return log.lines()
                        .filter(l -> l.contains("CONSOLE") || l.contains("Refused") || l.contains("Uncaught"))
                        .toList();
            }
        }

        static String executable() {
            String fromEnv = System.getenv("TRIPLINE_CHROMIUM");
            if (fromEnv != null && !fromEnv.isBlank()) {
                return fromEnv;
            }
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                for (String name : List.of("chromium", "chromium-browser")) {
                    if (Files.isExecutable(Path.of(dir, name))) {
                        return Path.of(dir, name).toString();
                    }
                }
            }
            throw new AssertionError("no Chromium on PATH (TRIPLINE_CHROMIUM overrides): .ci/install-chromium "
                    + "installs Debian's package");
        }

        static Page load(Path html, Path screenshot) throws Exception {
            String url = html.toUri().toString();
            Path profile = Files.createTempDirectory(html.getParent(), "chromium");
            List<String> common = List.of(
                    executable(),
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--user-data-dir=" + profile,
                    "--enable-logging=stderr",
                    "--v=0");
            List<String> dump = new ArrayList<>(common);
            dump.addAll(List.of("--dump-dom", url));
            Run d = run(dump, html.getParent().resolve("dom.html"));
            List<String> shot = new ArrayList<>(common);
            shot.addAll(List.of("--window-size=1280,2000", "--screenshot=" + screenshot, url));
            run(shot, html.getParent().resolve("shot.out"));
            return new Page(d.out, d.err);
        }

        record Run(String out, String err) {}

        private static Run run(List<String> command, Path stdout) throws Exception {
            Path stderr = Path.of(stdout + ".err");
            Process p = new ProcessBuilder(command)
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("chromium did not finish in 120 s: " + command);
            }
            String err = Files.readString(stderr);
            assertThat(p.exitValue()).as(err).isZero();
            return new Run(Files.readString(stdout), err);
        }
    }
}
