package dev.tripline.job;

/**
 * One line an embedded run writes: an encoded alert (with its rule id, for the summary) or a dead letter. A
 * Flink POJO, so the job's two outputs can travel to the client as one collected stream.
 */
public class RunOutput {
    /** True for an alert, false for a dead letter. */
    public boolean alert;
    /** The alert's rule or correlation id; null for a dead letter. */
    public String ruleId;
    /** The alert's rule or correlation title; null for a dead letter. */
    public String ruleTitle;
    /** The JSON line, without its line break. */
    public String line;

    public RunOutput() {
    }

    public RunOutput(boolean alert, String ruleId, String ruleTitle, String line) {
        this.alert = alert;
        this.ruleId = ruleId;
        this.ruleTitle = ruleTitle;
        this.line = line;
    }
}
