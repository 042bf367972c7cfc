package dev.tripline.event;

/** The kinds of audit record Tripline understands; a rule's logsource selects among them. */
public enum LogType {
    /** AWS CloudTrail management and data events. */
    CLOUDTRAIL,
    /** Azure Activity Log (issue 7). */
    AZURE_ACTIVITY
}
