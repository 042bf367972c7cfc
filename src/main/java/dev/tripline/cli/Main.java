package dev.tripline.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tripline} command. */
@Command(
        name = "tripline",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Detects attackers in cloud audit logs: single-event rules and event-time correlation on Flink.",
        subcommands = {RulesCommand.class, RunCommand.class, HuntCommand.class, JobCommand.class, RolloutCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
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
        return new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .execute(args);
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
        return new CommandLine(new Main(), factory)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setOut(out)
                .setErr(err)
                .execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "missing command: try 'tripline rules test rules/'");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tripline " + (v == null ? "dev" : v)};
        }
    }
}
