package dev.tripline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.util.Collections;
import java.util.List;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.junit.jupiter.api.Test;

/**
 * Stdout carries alerts: the logging configuration the jar ships writes log lines to stderr only. (Tests run with
 * the log4j2-test.properties of Flink's test jars, so the shipped file is loaded here by name.)
 */
class LoggingTest {

    @Test
    void theShippedConfigurationLogsToStderrNeverStdout() throws Exception {
        List<URL> shipped = Collections.list(getClass().getClassLoader().getResources("log4j2.properties")).stream()
                .filter(u -> u.getProtocol().equals("file") && u.getPath().contains("/target/classes/"))
                .toList();
        assertThat(shipped).as("log4j2.properties among the main resources").hasSize(1);
        LoggerContext context = new LoggerContext("shipped");
        Configuration config = new PropertiesConfigurationFactory()
                .getConfiguration(
                        context, ConfigurationSource.fromUri(shipped.get(0).toURI()));
        config.initialize();
        var appenders = config.getAppenders().values();
        assertThat(appenders).isNotEmpty();
        for (Appender a : appenders) {
            assertThat(a).as(a.getName()).isInstanceOf(ConsoleAppender.class);
            assertThat(((ConsoleAppender) a).getTarget()).as(a.getName()).isEqualTo(ConsoleAppender.Target.SYSTEM_ERR);
        }
        assertThat(config.getRootLogger().getAppenders()).isNotEmpty();
    }
}
