package dev.tripline.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A secret of the configuration is masked wherever it is echoed, whichever property it was put in. */
class SecretsTest {

    @Test
    void aSecretReadFromTheEnvironmentOrAFileIsMaskedInAnyMessageAndOnStderr() {
        // security.protocol is not named like a secret; it holds one because it came from {file: ...}.
        new ClientProperties(Map.of("security.protocol", "Tr1pl1ne-fuzz-secret"), Set.of("security.protocol"));
        new ClientProperties(Map.of("sasl.jaas.config", "PlainLoginModule required password=hunter22"), Set.of());
        new ClientProperties(Map.of("acks", "all"), Set.of());

        String kafka = "Invalid value Tr1pl1ne-fuzz-secret for configuration security.protocol: String must be one of"
                + " PLAINTEXT, SSL; got PlainLoginModule required password=hunter22; acks=all";
        assertThat(Secrets.mask(kafka))
                .isEqualTo("Invalid value *** for configuration security.protocol: String must be one of"
                        + " PLAINTEXT, SSL; got ***; acks=all");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = Secrets.masking(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        err.print("ERROR KafkaSink - Invalid value Tr1pl1ne-");
        err.print("fuzz-secret for configuration security.protocol\n");
        err.flush();
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("ERROR KafkaSink - Invalid value *** for configuration security.protocol\n");
    }
}
