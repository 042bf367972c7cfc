package dev.tripline.cli;

import dev.tripline.io.Secrets;
import dev.tripline.job.EmbeddedRun;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import org.apache.flink.runtime.util.EnvironmentInformation;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tripline} command. */
@Command(
        name = "tripline",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Detects attackers in cloud audit logs: single-event rules and event-time correlation on Flink.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:done",
            "1:rule errors (every error is printed as file:line:col)",
            "2:bad usage or configuration (the message names the flag or key)",
            "3:output could not be written",
            "4:the job failed while running (the message names the cause)",
            "5:the --web port is taken",
            "6:the Kafka or Kinesis source cannot be reached",
            "130:interrupted (SIGINT, Ctrl-C) after the summary",
            "143:terminated (SIGTERM) after the summary"
        },
        subcommands = {RulesCommand.class, RunCommand.class, HuntCommand.class, JobCommand.class, RolloutCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Log lines and client libraries' messages end up on stderr: none of them may show a configured secret.
        System.setErr(Secrets.masking(System.err));
        int code = run(args);
        if (args.length > 0 && args[0].equals("job")) {
            // On a cluster in application mode this main runs inside the JobManager, which exiting would take
            // down; Flink reports an exception from main as the submission's failure instead.
            if (code != 0) {
                throw new IllegalStateException("tripline job failed with exit code " + code + " (see above)");
            }
            return;
        }
        System.exit(code);
    }

    /** Runs the command line and returns the exit code (tests call this instead of main). */
    public static int run(String... args) {
        return configure(new CommandLine(new Main())).execute(args);
    }

    /** As {@link #run(String...)}, with the streams a command reads and writes (tests: pipes and buffers). */
    public static int run(InputStream stdin, PrintWriter out, PrintWriter err, String... args) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == RunCommand.class ? cls.cast(new RunCommand(stdin)) : defaults.create(cls);
            }
        };
        return configure(new CommandLine(new Main(), factory))
                .setOut(out)
                .setErr(err)
                .execute(args);
    }

    /**
     * The settings every command line shares. An exception a command does not handle itself is a job that failed
     * while running: one line naming the root cause and {@link JobOptions#JOB_ERROR}, not a stack trace and
     * picocli's status 1, which means rule errors here.
     */
    private static CommandLine configure(CommandLine cl) {
        return cl.setCaseInsensitiveEnumValuesAllowed(true).setExecutionExceptionHandler((e, commandLine, parsed) -> {
            commandLine
                    .getErr()
                    .println("tripline " + commandLine.getCommandName() + ": the job failed: " + rootCause(e));
            commandLine.getErr().flush();
            return JobOptions.JOB_ERROR;
        });
    }

    /** The innermost cause's class and message: what Flink wraps in several layers of execution exceptions. */
    static String rootCause(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof EmbeddedRun.Stopped) {
                // Already says why and what to change.
                return Secrets.mask(t.getMessage());
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return Secrets.mask(root.getClass().getSimpleName()
                + (m == null ? "" : ": " + m.lines().findFirst().orElse("")));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "missing command: try 'tripline rules test rules/'");
    }

    /** The version, the commit it was built from and the Flink version it runs on; see tripline-build.properties. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties build = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/tripline-build.properties")) {
                if (in != null) {
                    build.load(in);
                }
            }
            return new String[] {
                "tripline " + build.getProperty("version", "dev"),
                "commit " + build.getProperty("commit", "unknown"),
                "Flink " + EnvironmentInformation.getVersion()
            };
        }
    }
}
