package dev.tripline.cli;

import dev.tripline.match.RuleTestRunner;
import dev.tripline.report.Backtest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * Writes rule test results in the JUnit XML shape CI systems read: one testsuite per rule file, one testcase
 * per test (classname = rule id). Written with the JDK's StAX writer, which does the escaping.
 */
final class JUnitXml {
    private JUnitXml() {}

    static void write(Path file, RuleTestRunner.Report report) throws IOException {
        Map<String, List<RuleTestRunner.TestResult>> byFile = new LinkedHashMap<>();
        for (RuleTestRunner.TestResult r : report.results()) {
            byFile.computeIfAbsent(String.valueOf(r.ruleFile()), k -> new java.util.ArrayList<>())
                    .add(r);
        }
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            XMLStreamWriter x = XMLOutputFactory.newInstance().createXMLStreamWriter(out, "UTF-8");
            x.writeStartDocument("UTF-8", "1.0");
            x.writeStartElement("testsuites");
            x.writeAttribute("name", "tripline rules");
            x.writeAttribute("tests", String.valueOf(report.total()));
            x.writeAttribute("failures", String.valueOf(report.failed()));
            x.writeAttribute("skipped", String.valueOf(report.skipped()));
            for (Map.Entry<String, List<RuleTestRunner.TestResult>> e : byFile.entrySet()) {
                List<RuleTestRunner.TestResult> results = e.getValue();
                x.writeStartElement("testsuite");
                x.writeAttribute("name", e.getKey());
                x.writeAttribute("tests", String.valueOf(results.size()));
                x.writeAttribute("failures", String.valueOf(count(results, RuleTestRunner.Status.FAILED)));
                x.writeAttribute("skipped", String.valueOf(count(results, RuleTestRunner.Status.SKIPPED)));
                for (RuleTestRunner.TestResult r : results) {
                    x.writeStartElement("testcase");
                    x.writeAttribute("classname", r.ruleId());
                    x.writeAttribute("name", r.testName());
                    x.writeAttribute("file", String.valueOf(r.location()));
                    x.writeAttribute("time", String.format(Locale.ROOT, "%.6f", r.durationNanos() / 1e9));
                    if (r.status() == RuleTestRunner.Status.FAILED) {
                        x.writeStartElement("failure");
                        x.writeAttribute("message", r.reason());
                        x.writeCharacters(r.location() + ": " + r.reason());
                        x.writeEndElement();
                    } else if (r.status() == RuleTestRunner.Status.SKIPPED) {
                        x.writeStartElement("skipped");
                        x.writeAttribute("message", String.valueOf(r.reason()));
                        x.writeEndElement();
                    }
                    x.writeEndElement();
                }
                x.writeEndElement();
            }
            x.writeEndElement();
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write JUnit XML: " + e.getMessage(), e);
        }
    }

    /** A backtest's checks: one testsuite named after the expectation file, one testcase per expected count. */
    static void write(Path file, String expectationFile, Backtest.Verdict verdict) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            XMLStreamWriter x = XMLOutputFactory.newInstance().createXMLStreamWriter(out, "UTF-8");
            x.writeStartDocument("UTF-8", "1.0");
            x.writeStartElement("testsuites");
            x.writeAttribute("name", "tripline hunt backtest");
            x.writeAttribute("tests", String.valueOf(verdict.checks().size()));
            x.writeAttribute("failures", String.valueOf(verdict.differences().size()));
            x.writeStartElement("testsuite");
            x.writeAttribute("name", expectationFile);
            x.writeAttribute("tests", String.valueOf(verdict.checks().size()));
            x.writeAttribute("failures", String.valueOf(verdict.differences().size()));
            for (Backtest.Check c : verdict.checks()) {
                x.writeStartElement("testcase");
                x.writeAttribute("classname", c.rule());
                x.writeAttribute("name", c.group() == null ? "alerts" : "alerts [" + c.group() + "]");
                if (!c.passed()) {
                    x.writeStartElement("failure");
                    x.writeAttribute("message", c.describe());
                    x.writeCharacters(c.describe());
                    x.writeEndElement();
                }
                x.writeEndElement();
            }
            x.writeEndElement();
            x.writeEndElement();
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write JUnit XML: " + e.getMessage(), e);
        }
    }

    private static long count(List<RuleTestRunner.TestResult> results, RuleTestRunner.Status status) {
        return results.stream().filter(r -> r.status() == status).count();
    }
}
