package dev.tripline.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The HTML report of a hunt: one self-contained page (styles and the timeline inline, a content security policy that
 * forbids every network fetch) with the hunt's parameters and totals, alerts per rule and level, a timeline of the
 * alerts per account and principal, each correlation alert with its evidence in event-time order, and dead letters
 * and late records by reason. Everything taken from the input is HTML-escaped.
 */
public final class HuntReport {
    private static final int LANE_HEIGHT = 22;
    private static final int LABEL_WIDTH = 320;
    private static final int PLOT_WIDTH = 860;

    private HuntReport() {}

    /**
     * The page. {@code parameters} and {@code totals} are shown as given, in order (the command line, range, inputs;
     * files, records, events …).
     */
    public static String render(Map<String, String> parameters, Map<String, Long> totals, HuntResults r) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                        + "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n")
                .append("<title>Tripline hunt report</title>\n<style>")
                .append(CSS)
                .append("</style></head><body>\n<h1>Tripline hunt report</h1>\n");

        h.append("<section id=\"parameters\"><h2>Parameters</h2><table>");
        parameters.forEach((k, v) -> row(h, k, v));
        h.append("</table><h2>Totals</h2><table id=\"totals\">");
        totals.forEach((k, v) -> row(h, k, String.valueOf(v)));
        row(h, "alerts", String.valueOf(r.alertCount()));
        if (r.updates() > 0) {
            row(h, "alert updates", String.valueOf(r.updates()));
        }
        h.append("</table></section>\n");

        h.append("<section id=\"rules\"><h2>Alerts per rule</h2><table><tr><th>alerts</th><th>level</th><th>rule</th>"
                + "<th>title</th></tr>");
        r.byRule().entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> h.append("<tr data-rule=\"")
                        .append(esc(e.getKey()))
                        .append("\"><td class=\"n\">")
                        .append(e.getValue())
                        .append("</td><td><span class=\"lvl ")
                        .append(esc(r.ruleLevels().get(e.getKey())))
                        .append("\">")
                        .append(esc(r.ruleLevels().get(e.getKey())))
                        .append("</span></td><td><code>")
                        .append(esc(e.getKey()))
                        .append("</code></td><td>")
                        .append(esc(r.ruleTitles().get(e.getKey())))
                        .append("</td></tr>"));
        h.append("</table><h2>Alerts per level</h2><table>");
        r.byLevel().forEach((k, v) -> row(h, k, String.valueOf(v)));
        h.append("</table></section>\n");

        timeline(h, r);
        chains(h, r);

        h.append("<section id=\"problems\"><h2>Dead letters by reason</h2>");
        counts(h, r.deadLettersByReason(), "no dead letters");
        h.append("<h2>Late records by stage and rule</h2>");
        counts(h, r.lateByStageAndRule(), "no late records");
        h.append("</section>\n");
        // Proves in a browser that the page's script ran to its end: a test reads data-ready.
        h.append("<script>document.body.dataset.ready = String(document.querySelectorAll('.alert-mark').length);"
                + "</script>\n</body></html>\n");
        return h.toString();
    }

    /** One lane per account and principal (the alert's group, else its first evidence's), alerts as marks. */
    private static void timeline(StringBuilder h, HuntResults r) {
        h.append("<section id=\"timeline\"><h2>Timeline per account and principal</h2>");
        List<JsonNode> alerts = r.alerts();
        if (r.alertCount() > alerts.size()) {
            h.append("<p>The first ")
                    .append(alerts.size())
                    .append(" of ")
                    .append(r.alertCount())
                    .append(" alerts are shown.</p>");
        }
        if (alerts.isEmpty()) {
            h.append("<p>No alerts.</p></section>\n");
            return;
        }
        Map<String, List<JsonNode>> lanes = new TreeMap<>();
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (JsonNode a : alerts) {
            lanes.computeIfAbsent(lane(a), k -> new ArrayList<>()).add(a);
            min = Math.min(min, millis(a.path("first_seen")));
            max = Math.max(max, millis(a.path("last_seen")));
        }
        long span = Math.max(1, max - min);
        int height = lanes.size() * LANE_HEIGHT + 30;
        h.append("<p>")
                .append(esc(Instant.ofEpochMilli(min).toString()))
                .append(" to ")
                .append(esc(Instant.ofEpochMilli(max).toString()))
                .append("</p><svg width=\"")
                .append(LABEL_WIDTH + PLOT_WIDTH + 20)
                .append("\" height=\"")
                .append(height)
                .append("\" role=\"img\" aria-label=\"alert timeline\">");
        int y = 10;
        for (Map.Entry<String, List<JsonNode>> lane : lanes.entrySet()) {
            h.append("<g class=\"lane\"><text x=\"0\" y=\"")
                    .append(y + 14)
                    .append("\">")
                    .append(esc(shorten(lane.getKey(), 48)))
                    .append("</text><line x1=\"")
                    .append(LABEL_WIDTH)
                    .append("\" x2=\"")
                    .append(LABEL_WIDTH + PLOT_WIDTH)
                    .append("\" y1=\"")
                    .append(y + 10)
                    .append("\" y2=\"")
                    .append(y + 10)
                    .append("\" class=\"axis\"/>");
            for (JsonNode a : lane.getValue()) {
                long first = millis(a.path("first_seen"));
                long last = millis(a.path("last_seen"));
                double x1 = LABEL_WIDTH + PLOT_WIDTH * (double) (first - min) / span;
                double w = Math.max(4, PLOT_WIDTH * (double) (last - first) / span);
                h.append(String.format(
                                Locale.ROOT,
                                "<rect class=\"alert-mark %s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\" rx=\"3\" "
                                        + "data-alert-id=\"",
                                esc(a.path("rule").path("level").asText()),
                                x1,
                                y + 3,
                                w))
                        .append(esc(a.path("alert_id").asText()))
                        .append("\"><title>")
                        .append(esc(a.path("first_seen").asText() + " "
                                + a.path("rule").path("id").asText() + ": "
                                + a.path("title").asText()))
                        .append("</title></rect>");
            }
            h.append("</g>");
            y += LANE_HEIGHT;
        }
        h.append("</svg></section>\n");
    }

    /** Every correlation alert with its evidence in event-time order. */
    private static void chains(StringBuilder h, HuntResults r) {
        h.append("<section id=\"chains\"><h2>Correlation alerts and their evidence</h2>");
        List<JsonNode> composite = r.alerts().stream()
                .filter(a -> a.path("kind").asText().equals("correlation"))
                .sorted(Comparator.comparing(
                                (JsonNode a) -> a.path("first_seen").asText())
                        .thenComparing(a -> a.path("alert_id").asText()))
                .toList();
        if (composite.isEmpty()) {
            h.append("<p>No correlation alerts.</p>");
        }
        for (JsonNode a : composite) {
            h.append("<article class=\"chain\" data-alert-id=\"")
                    .append(esc(a.path("alert_id").asText()))
                    .append("\"><h3><span class=\"lvl ")
                    .append(esc(a.path("rule").path("level").asText()))
                    .append("\">")
                    .append(esc(a.path("rule").path("level").asText()))
                    .append("</span> ")
                    .append(esc(a.path("title").asText()))
                    .append("</h3><p><code>")
                    .append(esc(a.path("rule").path("id").asText()))
                    .append("</code> ")
                    .append(esc(HuntResults.groupKey(a.path("group"))))
                    .append(", ")
                    .append(esc(a.path("first_seen").asText()))
                    .append(" to ")
                    .append(esc(a.path("last_seen").asText()))
                    .append("</p><ol>");
            List<JsonNode> evidence = new ArrayList<>();
            a.path("evidence").forEach(evidence::add);
            evidence.sort(
                    Comparator.comparing((JsonNode e) -> e.path("eventTime").asText())
                            .thenComparing(e -> e.path("eventID").asText()));
            for (JsonNode e : evidence) {
                h.append("<li><time>")
                        .append(esc(e.path("eventTime").asText()))
                        .append("</time> <b>")
                        .append(esc(e.path("eventName").asText()))
                        .append("</b> ")
                        .append(esc(e.path("eventSource").asText()))
                        .append(" ")
                        .append(esc(e.path("awsRegion").asText()))
                        .append(" <code>")
                        .append(esc(e.path("eventID").asText()))
                        .append("</code></li>");
            }
            h.append("</ol></article>");
        }
        h.append("</section>\n");
    }

    private static String lane(JsonNode a) {
        JsonNode g = a.path("group");
        String account = g.path("account").asText("");
        String principal = g.path("principal").asText("");
        JsonNode ev = a.path("evidence").path(0).path("fields");
        if (account.isEmpty()) {
            account = ev.path("account").asText(ev.path("recipientAccountId").asText(""));
        }
        if (principal.isEmpty()) {
            principal = ev.path("principal").asText(ev.path("userIdentity.arn").asText(""));
        }
        if (account.isEmpty() && principal.isEmpty()) {
            String key = HuntResults.groupKey(g);
            return key.isEmpty() ? "(no account or principal)" : key;
        }
        return (account.isEmpty() ? "?" : account) + " / " + (principal.isEmpty() ? "?" : principal);
    }

    private static long millis(JsonNode time) {
        try {
            return Instant.parse(time.asText()).toEpochMilli();
        } catch (DateTimeParseException e) {
            return 0L;
        }
    }

    private static void counts(StringBuilder h, Map<String, Long> counts, String none) {
        if (counts.isEmpty()) {
            h.append("<p>").append(esc(none)).append(".</p>");
            return;
        }
        h.append("<table>");
        counts.forEach((k, v) -> row(h, k, String.valueOf(v)));
        h.append("</table>");
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v)).append("</td></tr>");
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    /** HTML-escapes text and attribute values. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static final String CSS = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
            + "table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:2px 8px;text-align:left}"
            + "td.n{text-align:right}code{font-size:12px}.lvl{padding:0 6px;border-radius:3px;color:#fff;background:#777}"
            + ".critical{background:#8b0000;fill:#8b0000}.high{background:#d9534f;fill:#d9534f}"
            + ".medium{background:#f0ad4e;fill:#f0ad4e}.low{background:#5bc0de;fill:#5bc0de}"
            + ".informational,.info{background:#999;fill:#999}svg text{font-size:12px}.axis{stroke:#ddd}"
            + "article.chain{border-left:4px solid #d9534f;padding-left:1em;margin:1em 0}";
}
