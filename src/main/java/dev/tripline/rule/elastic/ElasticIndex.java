package dev.tripline.rule.elastic;

import dev.tripline.event.LogType;
import dev.tripline.rule.ValuePredicate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Which of Tripline's log types an Elastic rule's {@code index} patterns select. A pattern selects a log type
 * when it matches the name of that type's data stream ({@code logs-aws.cloudtrail-default},
 * {@code logs-azure.activitylogs-default}); {@code filebeat-*} names no dataset of its own and is ignored; every
 * other pattern is an unsupported dataset, reported by name.
 */
record ElasticIndex(Set<LogType> logTypes, List<String> unsupported) {

    private static final String GENERIC = "filebeat-*";

    static ElasticIndex of(List<String> patterns) {
        Set<LogType> types = EnumSet.noneOf(LogType.class);
        List<String> unsupported = new ArrayList<>();
        for (String pattern : patterns) {
            if (pattern.equals(GENERIC)) {
                continue;
            }
            ValuePredicate glob = Queries.wildcard(pattern, true, true, false);
            boolean any = false;
            if (matches(glob, "logs-aws.cloudtrail-default")) {
                types.add(LogType.CLOUDTRAIL);
                any = true;
            }
            if (matches(glob, "logs-azure.activitylogs-default")) {
                types.add(LogType.AZURE_ACTIVITY);
                any = true;
            }
            if (!any || pattern.endsWith(".*")) {
                unsupported.add(dataset(pattern));
            }
        }
        return new ElasticIndex(types, List.copyOf(unsupported));
    }

    private static boolean matches(ValuePredicate glob, String name) {
        return glob instanceof ValuePredicate.Glob g ? g.matches(name) : ((ValuePredicate.Text) glob).matches(name);
    }

    /** {@code logs-azure.signinlogs-*} names the dataset {@code azure.signinlogs}. */
    private static String dataset(String pattern) {
        String d = pattern.startsWith("logs-") ? pattern.substring(5) : pattern;
        if (d.endsWith("-*")) {
            d = d.substring(0, d.length() - 2);
        }
        return d;
    }
}
