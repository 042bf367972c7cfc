package dev.tripline.job;

/**
 * One line an embedded run writes: an encoded alert (with its rule id, for the summary), a dead letter or a late
 * record. A Flink POJO, so the job's outputs can travel to the client as one collected stream.
 */
public class RunOutput {
    /** True for an alert; false for a dead letter or a late record. */
    public boolean alert;
    /** True for a late record. */
    public boolean late;
    /** The alert's rule or correlation id; null for a dead letter. */
    public String ruleId;
    /** The alert's rule or correlation title; null for a dead letter. */
    public String ruleTitle;
    /** The JSON line, without its line break; for a rule update, its status message. */
    public String line;
    /** True for what became of a live rule update ({@code line} says which). */
    public boolean ruleUpdate;

    public RunOutput() {
    }

    public RunOutput(boolean alert, String ruleId, String ruleTitle, String line) {
        this.alert = alert;
        this.ruleId = ruleId;
        this.ruleTitle = ruleTitle;
        this.line = line;
    }

    public static RunOutput ruleUpdate(String message) {
        RunOutput o = new RunOutput(false, null, null, message);
        o.ruleUpdate = true;
        return o;
    }

    public static RunOutput late(String line) {
        RunOutput o = new RunOutput(false, null, null, line);
        o.late = true;
        return o;
    }
}
