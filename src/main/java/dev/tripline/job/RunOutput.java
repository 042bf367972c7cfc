package dev.tripline.job;

import java.nio.charset.StandardCharsets;

/**
 * One line an embedded run writes: an encoded alert (with its rule id, for the summary), a dead letter or a late
 * record. A Flink POJO, so the job's outputs can travel to the client as one collected stream.
 */
public class RunOutput {
    /** True for an alert line; false for a dead letter or a late record. */
    public boolean alert;
    /** True for an alert line that updates an alert sent before (same alert id, revision above 0). */
    public boolean update;
    /** True for a late record. */
    public boolean late;
    /** The alert's (or late record's) rule or correlation id; null for a dead letter. */
    public String ruleId;
    /** The alert's rule or correlation title; null for a dead letter. */
    public String ruleTitle;
    /**
     * The JSON line in UTF-8, without its line break; for a rule update, its status message. Bytes rather than a
     * string: the collecting client reads them in one piece, a string character by character.
     */
    public byte[] utf8;
    /** True for what became of a live rule update ({@code line} says which). */
    public boolean ruleUpdate;
    /** For a late record: the stage it was late at, "correlate" (a signal) or "dedup" (an alert candidate). */
    public String lateStage;

    public RunOutput() {}

    public RunOutput(boolean alert, String ruleId, String ruleTitle, String line) {
        this.alert = alert;
        this.ruleId = ruleId;
        this.ruleTitle = ruleTitle;
        this.utf8 = line.getBytes(StandardCharsets.UTF_8);
    }

    /** The line as text. */
    public String line() {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    public static RunOutput ruleUpdate(String message) {
        RunOutput o = new RunOutput(false, null, null, message);
        o.ruleUpdate = true;
        return o;
    }

    /** A late record: its stage, the rule or correlation it was for, and its JSON line. */
    public static RunOutput late(String stage, String ruleId, String line) {
        RunOutput o = new RunOutput(false, ruleId, null, line);
        o.late = true;
        o.lateStage = stage;
        return o;
    }
}
