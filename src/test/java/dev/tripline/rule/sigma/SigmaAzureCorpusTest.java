package dev.tripline.rule.sigma;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tripline.event.Event;
import dev.tripline.event.LogType;
import dev.tripline.match.CompiledMatcher;
import dev.tripline.rule.Rule;
import dev.tripline.rule.RuleLoader;
import dev.tripline.testing.Corpus;
import dev.tripline.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SigmaHQ's Azure Activity rules load, compile, read only Azure records, and fire on both record shapes. */
class SigmaAzureCorpusTest {

    @Test
    void all35SigmaHqAzureActivityRulesLoadCompileAndRouteToAzureOnly() {
        RuleLoader.Result r =
                Corpus.defaultLoader().load(List.of(SharedData.path("corpus/sigmahq-azure-activity/rules")));
        assertThat(r.errors()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        List<Rule> rules = r.ruleSet().rules();
        assertThat(rules)
                .hasSize(35)
                .allSatisfy(rule -> assertThat(rule.logTypes()).containsExactly(LogType.AZURE_ACTIVITY));
        CompiledMatcher m = CompiledMatcher.compile(rules);

        // A key vault write (SigmaHQ azure_keyvault_modified_or_deleted) in each shape fires the same rules,
        // and the same JSON read as CloudTrail fires none of them.
        ObjectNode diag = (ObjectNode) SharedData.parse("{\"time\":\"2024-03-05T10:00:00Z\",\"resourceId\":"
                + "\"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv\","
                + "\"operationName\":\"MICROSOFT.KEYVAULT/VAULTS/WRITE\",\"resultType\":\"Success\"}");
        ObjectNode rest = (ObjectNode)
                SharedData.parse(
                        "{\"eventTimestamp\":\"2024-03-05T10:00:00Z\",\"subscriptionId\":\"s\","
                                + "\"operationName\":{\"value\":\"Microsoft.KeyVault/vaults/write\"},\"status\":{\"value\":\"Succeeded\"}}");
        List<String> fromDiag = fired(m, new Event(LogType.AZURE_ACTIVITY, diag));
        String keyVaultRule = rules.stream()
                .filter(x -> x.location().file().endsWith("azure_keyvault_modified_or_deleted.yml"))
                .findFirst()
                .orElseThrow()
                .id();
        assertThat(fromDiag).contains(keyVaultRule);
        assertThat(fired(m, new Event(LogType.AZURE_ACTIVITY, rest))).isEqualTo(fromDiag);
        assertThat(fired(m, new Event(LogType.CLOUDTRAIL, diag))).isEmpty();
    }

    private static List<String> fired(CompiledMatcher m, Event e) {
        List<String> ids = new ArrayList<>();
        m.match(e, rule -> ids.add(rule.id()));
        return ids;
    }
}
