package dev.tripline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The key catalog the manifest test relies on tells real, deprecated, misspelt and badly valued keys apart. */
class FlinkConfigKeysTest {

    private static final FlinkConfigKeys KEYS = new FlinkConfigKeys();
    private static final Map<String, String> PROM =
            Map.of("metrics.reporter.prom.factory.class", FlinkConfigKeys.PROMETHEUS_FACTORY);

    @Test
    void acceptsCurrentKeysWithValidValues() {
        assertThat(KEYS.problem("state.backend.type", "rocksdb", Map.of())).isEmpty();
        assertThat(KEYS.problem("execution.checkpointing.interval", "10s", Map.of()))
                .isEmpty();
        assertThat(KEYS.problem("state.backend.rocksdb.localdir", "/tmp/rocksdb", Map.of()))
                .isEmpty();
        assertThat(KEYS.problem("metrics.reporter.prom.factory.class", FlinkConfigKeys.PROMETHEUS_FACTORY, PROM))
                .isEmpty();
        assertThat(KEYS.problem("metrics.reporter.prom.port", "9249", PROM)).isEmpty();
        assertThat(KEYS.problem("kubernetes.operator.periodic.savepoint.interval", "6h", Map.of()))
                .isEmpty();
    }

    @Test
    void namesTheKeyThatIsWrong() {
        assertThat(KEYS.problem("execution.checkpointing.intervall", "10s", Map.of()))
                .get()
                .asString()
                .contains("'execution.checkpointing.intervall' is not a Flink 1.20 configuration key");
        assertThat(KEYS.problem("state.savepoints.dir", "file:///x", Map.of()))
                .get()
                .asString()
                .contains("deprecated")
                .contains("execution.checkpointing.savepoint-dir");
        assertThat(KEYS.problem("execution.checkpointing.interval", "soon", Map.of()))
                .get()
                .asString()
                .contains("'execution.checkpointing.interval': value 'soon' is not valid");
        assertThat(KEYS.problem("metrics.reporter.prom.portt", "9249", PROM))
                .get()
                .asString()
                .contains("'metrics.reporter.prom.portt' is not an option of reporter 'prom'");
        assertThat(KEYS.problem("kubernetes.operator.savepoint.history.maxcount", "5", Map.of()))
                .get()
                .asString()
                .contains("not a Flink Kubernetes Operator option");
    }
}
