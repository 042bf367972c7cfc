package dev.tripline.rule;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that are not rules (a private key, a .env file, a system file behind a symbolic link) pointed at as rules:
 * each is an error at its file and position, and no error quotes what the file holds.
 */
class NonRuleFilesTest {
    private static final String KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW";
    private static final String ENV_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final String SHADOW_HASH = "$6$rounds=5000$saltsalt$Xb1cZ0hK9mN2";

    @Test
    void errorsNameTheFileButQuoteNothingItHolds(@TempDir Path dir) throws Exception {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Path rules = Files.createDirectory(dir.resolve("rules"));
        Path shadow = Files.writeString(
                outside.resolve("shadow"),
                "root:" + SHADOW_HASH + ":19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n");
        Files.createSymbolicLink(rules.resolve("linked.yml"), shadow);
        Files.writeString(
                rules.resolve("id_ed25519.yml"),
                "-----BEGIN OPENSSH PRIVATE KEY-----\n" + KEY_BODY + "\n-----END OPENSSH PRIVATE KEY-----\n");
        Files.writeString(rules.resolve("broken.yml"), "token: \"" + ENV_SECRET + "\n  - [" + ENV_SECRET + "\n");
        Files.writeString(rules.resolve("alias.yml"), "a: *" + ENV_SECRET.replace("/", "") + "\n");
        Files.writeString(rules.resolve("config.toml"), "secret = " + ENV_SECRET + "\n");
        Path env = Files.writeString(dir.resolve(".env"), "AWS_SECRET_ACCESS_KEY=" + ENV_SECRET + "\n");

        RuleLoader.Result r = RuleLoader.standard(RuleLoadOptions.defaults()).load(List.of(rules, env));

        List<String> errors = r.errors().stream().map(LoadError::toString).toList();
        assertThat(errors)
                .anySatisfy(e -> assertThat(e).contains("linked.yml:1:"))
                .anySatisfy(e -> assertThat(e).contains("id_ed25519.yml:1:"))
                .anySatisfy(e -> assertThat(e).contains("broken.yml:"))
                .anySatisfy(e -> assertThat(e).contains("alias.yml:1:"))
                .anySatisfy(e -> assertThat(e).contains("config.toml:1:"))
                .anySatisfy(e -> assertThat(e).contains(".env:1:"));
        for (String e : errors) {
            assertThat(e)
                    .doesNotContain("root")
                    .doesNotContain("rounds")
                    .doesNotContain("PRIVATE KEY")
                    .doesNotContain(KEY_BODY.substring(0, 12))
                    .doesNotContain(ENV_SECRET.substring(0, 8))
                    .doesNotContain("AWS_SECRET");
        }
    }
}
