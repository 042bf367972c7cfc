package dev.tripline.cli;

import dev.tripline.io.ArchiveFiles;
import dev.tripline.job.DetectionJob;
import dev.tripline.job.EmbeddedRun;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tripline run}: the detection job embedded in this process over files and directories, or over stdin
 * ({@code -}) as it arrives; alerts to stdout or a file, dead letters to a file, a summary on stderr at the end.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the detection job in-process over CloudTrail files (JSON Lines, .json, .json.gz, "
                + "AWSLogs/ directory trees), or over stdin ('-') as it arrives, and write alerts as JSON Lines.")
final class RunCommand implements Callable<Integer> {
    static final int OK = JobOptions.OK;
    static final int RULES_FAILED = JobOptions.RULES_FAILED;
    static final int BAD_USAGE = JobOptions.BAD_USAGE;
    static final int JOB_FAILED = JobOptions.JOB_FAILED;
    /** The input name that means stdin. */
    static final String STDIN = "-";

    @Parameters(arity = "0..*", paramLabel = "INPUT",
            description = "Input files or directories, or '-' for stdin (default: input.paths from --config).")
    List<String> inputs;

    @Mixin
    JobOptions job;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final InputStream stdin;

    RunCommand() {
        this(System.in);
    }

    /** With the stream {@code -} reads: tests pass a pipe. */
    RunCommand(InputStream stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try {
            JobOptions.Prepared p = job.prepare("run", err, DetectionJob.Options.defaults());
            List<String> names = JobOptions.inputs(inputs, p.config());
            EmbeddedRun.Input input;
            if (names.isEmpty()) {
                throw JobOptions.fail(err, "run", BAD_USAGE,
                        "no input: name files or directories, '-' for stdin, or set input.paths in --config");
            } else if (names.contains(STDIN)) {
                if (names.size() > 1) {
                    throw JobOptions.fail(err, "run", BAD_USAGE, "'-' (stdin) cannot be mixed with other inputs");
                }
                input = EmbeddedRun.Input.stream(stdin, STDIN);
            } else {
                List<Path> files;
                try {
                    files = ArchiveFiles.list(names.stream().map(Path::of).toList(), null, null);
                } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                    throw JobOptions.fail(err, "run", BAD_USAGE, e.getMessage());
                }
                if (files.isEmpty()) {
                    throw JobOptions.fail(err, "run", BAD_USAGE, "no input files found in " + names);
                }
                input = EmbeddedRun.Input.files(files);
            }
            StreamExecutionEnvironment env = job.environment("run", err);
            EmbeddedRun.Summary summary = JobOptions.execute("run", spec, env, RuntimeExecutionMode.STREAMING, input,
                    p, null, 0);
            JobOptions.printSummary(err, "run", summary, false);
            return OK;
        } catch (JobOptions.Failed f) {
            return f.code;
        }
    }
}
