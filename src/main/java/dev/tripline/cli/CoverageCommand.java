package dev.tripline.cli;

import dev.tripline.program.RuleProgram;
import dev.tripline.report.Coverage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tripline rules coverage}: the ATT&CK techniques the rules cover, as a table or a Navigator layer. */
@Command(
        name = "coverage",
        mixinStandardHelpOptions = true,
        description = "Every loaded rule and correlation by MITRE ATT&CK technique (from Sigma tags and Panther "
                + "Reports), as a table or an ATT&CK Navigator layer; lists techniques with only informational rules.")
final class CoverageCommand implements Callable<Integer> {
    enum Format {
        text,
        navigator
    }

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Rule files or directories.")
    List<Path> paths;

    @Mixin
    RuleOptions options;

    @Option(
            names = "--format",
            paramLabel = "text|navigator",
            defaultValue = "text",
            description = "text (a table) or navigator (an ATT&CK Navigator layer, JSON); default ${DEFAULT-VALUE}.")
    Format format;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FILE",
            description = "Write here instead of stdout.")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        RuleProgram program = RulesCommand.loadOrNull(options, paths, err);
        if (program == null) {
            return RulesCommand.BAD_CONFIG;
        }
        RulesCommand.printLoadProblems(err, program, options.quiet);
        Coverage.Result r = Coverage.of(program.rules());
        String text = format == Format.text
                ? Coverage.text(r)
                : Coverage.navigatorLayer(
                        r,
                        "Tripline rules: " + paths.stream().map(Path::toString).toList());
        if (output == null) {
            spec.commandLine().getOut().print(text);
            spec.commandLine().getOut().flush();
        } else {
            try {
                Files.writeString(output, text, StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("tripline rules coverage: cannot write " + output + ": " + e.getMessage());
                return RulesCommand.BAD_CONFIG;
            }
        }
        err.flush();
        return program.ok() ? RulesCommand.OK : RulesCommand.RULES_FAILED;
    }
}
