package dev.tripline.event;

/** The kinds of audit record Tripline understands; a rule's logsource selects among them. */
public enum LogType {
    /** AWS CloudTrail management and data events. */
    CLOUDTRAIL,
    /** Azure Activity Log. */
    AZURE_ACTIVITY
}
