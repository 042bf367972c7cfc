package dev.tripline.flink;

import dev.tripline.program.RuleProgram;
import dev.tripline.rule.RuleLoadOptions;
import dev.tripline.rule.RuleLoader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * What the operators of a job with live rule updates share: how a {@link RuleUpdate} becomes a {@link RuleProgram}
 * (the job's rule-loading options, so that placeholders such as {@code approved_regions} expand as they did at start),
 * how many correlate stages the running graph has, the digest of the rule files the job was started with, and
 * the broadcast state that keeps the live set across failovers.
 *
 * <p>Restore rule: the broadcast state holds the live set together with the digest of the start files it was
 * accepted on top of (its base). A job that restores it and was started with the same files (a failover, or a
 * restart without a rule change) keeps running the live set; a job started with other files (a savepoint
 * rollout) runs those files and forgets the live set.
 */
public final class LiveRules implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Broadcast state of every operator that runs rules: {@link #CURRENT} to the live set and its base. */
    public static final MapStateDescriptor<String, byte[]> STATE =
            new MapStateDescriptor<>("live-rules", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    public static final String CURRENT = "current";
    private static final int STORED_FORMAT = 1;

    private final Map<String, List<String>> placeholders;
    private final Map<String, Map<String, List<String>>> accountPlaceholders;
    private final long maxFileBytes;
    private final int maxSlotsPerRule;
    private final long newTermsHistoryStart;
    private final String startDigest;
    private final int stages;

    /**
     * @param load        the options the job's start rules were loaded with
     * @param startDigest {@link RuleUpdate#digest} of the rule files the job was started with
     * @param stages      correlate stages of the running graph (a set needing more is rejected)
     */
    public LiveRules(RuleLoadOptions load, String startDigest, int stages) {
        this.placeholders = new LinkedHashMap<>(load.placeholders());
        Map<String, Map<String, List<String>>> acc = new LinkedHashMap<>();
        load.accountPlaceholders().forEach((k, v) -> acc.put(k, new LinkedHashMap<>(v)));
        this.accountPlaceholders = acc;
        this.maxFileBytes = load.maxFileBytes();
        this.maxSlotsPerRule = load.maxSlotsPerRule();
        this.newTermsHistoryStart = load.newTermsHistoryStart();
        this.startDigest = Objects.requireNonNull(startDigest, "startDigest");
        if (stages < 1) {
            throw new IllegalArgumentException("a job runs at least one correlate stage, got " + stages);
        }
        this.stages = stages;
    }

    /**
     * The rules of a job that takes no updates and was given its rules as a compiled set (tests, benchmarks,
     * embedding): default load options, no start digest, one stage.
     */
    public static LiveRules none() {
        return new LiveRules(RuleLoadOptions.defaults(), "", 1);
    }

    public LiveRules withStages(int n) {
        return new LiveRules(loadOptions(), startDigest, n);
    }

    public String startDigest() {
        return startDigest;
    }

    public int stages() {
        return stages;
    }

    public RuleLoadOptions loadOptions() {
        return new RuleLoadOptions(
                placeholders, maxFileBytes, accountPlaceholders, maxSlotsPerRule, newTermsHistoryStart);
    }

    /**
     * Loads and compiles an update exactly as the job loads its start rules ({@link RuleProgram#compile}), and
     * checks it fits the running graph. Never throws: everything wrong with the update is an error of the
     * program, which then is not {@link RuleProgram#ok()}.
     */
    public RuleProgram compile(RuleUpdate update) {
        List<String> problems = new ArrayList<>(update.problems());
        String version = update.version;
        if (version == null || version.isBlank()) {
            problems.add("the update has no version label");
        } else if (version.length() > RuleUpdate.MAX_VERSION_CHARS
                || version.chars().anyMatch(Character::isISOControl)) {
            problems.add("the version label is longer than " + RuleUpdate.MAX_VERSION_CHARS
                    + " characters or holds control characters");
        }
        Map<String, String> files;
        try {
            files = update.files();
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return RuleProgram.rejected(version, "", problems);
        }
        SortedMap<String, String> ruleFiles = new TreeMap<>();
        files.forEach((name, text) -> {
            if (isRuleFile(name)) {
                ruleFiles.put(name, text);
            }
        });
        if (ruleFiles.isEmpty()) {
            problems.add("the update holds no rule files (.yml, .yaml or .toml); an empty rule set is not applied");
        }
        if (!problems.isEmpty()) {
            return RuleProgram.rejected(version, RuleProgram.digestOf(ruleFiles), problems);
        }
        try {
            RuleProgram program = RuleProgram.compile(version, ruleFiles, loadOptions());
            if (program.stageCount() > stages) {
                program = program.withProblems(List.of("the set chains correlations " + program.stageCount()
                        + " deep and needs " + program.stageCount() + " correlate stages; the running job has "
                        + stages + ": a restart (savepoint rollout) with the new rules is needed"));
            }
            return program;
        } catch (RuntimeException e) {
            // A loader or compiler bug must reject one update, not stop the job.
            return RuleProgram.rejected(
                    version,
                    RuleProgram.digestOf(ruleFiles),
                    List.of("internal error while compiling the update (please report): " + e));
        }
    }

    /** Rule files as a directory load picks them ({@link RuleLoader#isRuleFile}): YAML or TOML, not a test file. */
    static boolean isRuleFile(String name) {
        Path p;
        try {
            p = Path.of(name);
        } catch (RuntimeException e) {
            // Not a path on this system: a rule file by its suffix alone; the loader judges the text.
            return name.endsWith(".yml") || name.endsWith(".yaml") || name.endsWith(".toml");
        }
        return p.getFileName() != null && RuleLoader.isRuleFile(p);
    }

    /** The live set as the broadcast state keeps it. */
    public record Stored(String base, RuleUpdate update) {}

    /** The broadcast-state value for {@code update} accepted on top of this job's start files. */
    public byte[] store(RuleUpdate update) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(STORED_FORMAT);
            out.writeUTF(startDigest);
            out.writeUTF(update.version);
            out.writeInt(update.files.length);
            out.write(update.files);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Reads a broadcast-state value; null when it is of an unknown format or corrupt. */
    public static Stored read(byte[] value) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
            if (in.readInt() != STORED_FORMAT) {
                return null;
            }
            String base = in.readUTF();
            RuleUpdate u = new RuleUpdate();
            u.version = in.readUTF();
            int n = in.readInt();
            if (n < 0 || n > value.length) {
                return null;
            }
            u.files = in.readNBytes(n);
            return u.files.length == n ? new Stored(base, u) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The live set an operator runs as it starts, applying the restore rule; null to run the start rules (also on
     * a fresh start). Removes a stored set that the start files override, so that a later checkpoint does not
     * bring it back.
     */
    RuleUpdate restore(
            org.apache.flink.runtime.state.FunctionInitializationContext context, org.slf4j.Logger log, String operator)
            throws Exception {
        if (!context.isRestored()) {
            return null;
        }
        org.apache.flink.api.common.state.BroadcastState<String, byte[]> state =
                context.getOperatorStateStore().getBroadcastState(STATE);
        byte[] value = state.get(CURRENT);
        if (value == null) {
            return null;
        }
        Stored stored = read(value);
        if (stored == null) {
            log.warn(
                    "{}: the stored live rule set is unreadable; running the rule files the job was started with",
                    operator);
            state.remove(CURRENT);
            return null;
        }
        if (!stored.base().equals(startDigest)) {
            log.info(
                    "{}: started with other rule files (digest {}) than the live rule set {} was based on ({}); "
                            + "the start files win (savepoint rollout)",
                    operator,
                    startDigest,
                    stored.update().version,
                    stored.base());
            state.remove(CURRENT);
            return null;
        }
        log.info("{}: restored the live rule set {}", operator, stored.update().version);
        return stored.update();
    }
}
