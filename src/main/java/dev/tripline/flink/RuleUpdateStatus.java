package dev.tripline.flink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What became of one rule update: accepted (with the size of the new set) or rejected (with every error as
 * {@code file:line:col: message}). Emitted once per update by {@link RuleUpdateValidator} on its
 * {@link RuleUpdateValidator#STATUS} side output; a Flink POJO.
 */
public class RuleUpdateStatus {
    private static final ObjectMapper JSON = new ObjectMapper();

    public String version;
    public boolean accepted;
    /** Digest of the update's files ({@link RuleUpdate#digest}). */
    public String digest;

    public int rules;
    public int correlations;
    /** Empty when accepted. */
    public String[] errors;

    public RuleUpdateStatus() {}

    static RuleUpdateStatus accepted(String version, String digest, int rules, int correlations) {
        RuleUpdateStatus s = new RuleUpdateStatus();
        s.version = version;
        s.accepted = true;
        s.digest = digest;
        s.rules = rules;
        s.correlations = correlations;
        s.errors = new String[0];
        return s;
    }

    static RuleUpdateStatus rejected(String version, String digest, List<String> errors) {
        RuleUpdateStatus s = new RuleUpdateStatus();
        s.version = version;
        s.accepted = false;
        s.digest = digest;
        s.errors = errors.toArray(String[]::new);
        return s;
    }

    public List<String> errors() {
        return errors == null ? List.of() : List.of(errors);
    }

    /** One line for a log or a terminal: {@code rule update v3 rejected: 2 errors: a.yml:3:5: ...; ...}. */
    public String message() {
        if (accepted) {
            return "rule update " + version + " accepted: " + rules + " rules, " + correlations + " correlations";
        }
        return "rule update " + version + " rejected: " + errors().size()
                + (errors().size() == 1 ? " error: " : " errors: ") + String.join("; ", errors());
    }

    /** One JSON object, as the status topic carries it. */
    public String toJsonLine() {
        ObjectNode o = JSON.createObjectNode();
        o.put("version", version);
        o.put("status", accepted ? "accepted" : "rejected");
        o.put("digest", digest);
        if (accepted) {
            o.put("rules", rules);
            o.put("correlations", correlations);
        }
        ArrayNode errs = o.putArray("errors");
        errors().forEach(errs::add);
        return o.toString();
    }

    @Override
    public String toString() {
        return message();
    }
}
