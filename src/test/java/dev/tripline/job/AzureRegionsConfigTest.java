package dev.tripline.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** regions.azure: the approved Azure list beside the AWS one, with per-subscription overrides. */
class AzureRegionsConfigTest {

    @Test
    void defaultsAreSeed004sAzureList() {
        TriplineConfig c = TriplineConfig.defaults();
        assertThat(c.rulePlaceholders().get("approved_azure_regions"))
                .containsExactly(
                        "eastus", "eastus2", "westus", "westus2", "westeurope", "northeurope", "uksouth", "ukwest");
        assertThat(c.rulePlaceholders().get("approved_regions")).isEqualTo(TriplineConfig.DEFAULT_APPROVED_REGIONS);
        assertThat(c.ruleAccountPlaceholders()).isEmpty();
    }

    @Test
    void theAzureSectionSitsBesideTheAwsOneAndOverridesPerSubscription() throws Exception {
        TriplineConfig c = TriplineConfigTest.parse("""
                regions:
                  approved: [us-east-1]
                  accounts:
                    "123456789012": [eu-west-1]
                  azure:
                    approved: [westeurope]
                    subscriptions:
                      "AAAAAAAA-2222-3333-4444-555555555555": [westeurope, japaneast]
                """);
        assertThat(c.rulePlaceholders())
                .containsEntry("approved_regions", List.of("us-east-1"))
                .containsEntry("approved_azure_regions", List.of("westeurope"));
        assertThat(c.ruleAccountPlaceholders())
                .isEqualTo(Map.of(
                        "approved_regions", Map.of("123456789012", List.of("eu-west-1")),
                        "approved_azure_regions",
                                Map.of("aaaaaaaa-2222-3333-4444-555555555555", List.of("westeurope", "japaneast"))));
    }

    @Test
    void badAzureKeysAndValuesAreNamed() {
        assertThat(TriplineConfigTest.errors("""
                regions:
                  azure:
                    approved: [Japan East]
                    subscriptions:
                      "123456789012": [eastus]
                    default: [eastus]
                """))
                .hasSize(3)
                .anySatisfy(
                        e -> assertThat(e).contains("regions.azure.approved").contains("not an Azure region name"))
                .anySatisfy(e -> assertThat(e).contains("not an Azure subscription id"))
                .anySatisfy(e -> assertThat(e).contains("regions.azure.default"));
    }
}
