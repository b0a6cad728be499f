package dev.modelmux.interactions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.config.ConfigException;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.server.ModelMux;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The interactions: section: defaults, a relative SQLite path, the PostgreSQL URL and password, and refusals naming the field. */
class InteractionsConfigTest {
  private static final String BASE = """
      deployments:
        - { id: d, provider: openai, base_url: "http://127.0.0.1:1/v1", api_key_env: K, model: gpt-4, context_window: 8192,
            limits: { tpm: 1000, rpm: 10 } }
      routes:
        - { name: r, tiers: [[d]] }
      """;

  private static InteractionsConfig parse(String section, Map<String, String> env) {
    GatewayConfig config = ModelMux.configLoader(name -> name.equals("K") ? "k" : env.get(name))
        .parse(BASE + "interactions:\n" + section, Path.of("/etc/modelmux"));
    return config.section(InteractionsConfig.SECTION, InteractionsConfig.class).orElseThrow();
  }

  @Test
  void sqliteIsTheDefaultBesideTheConfig() {
    InteractionsConfig config = parse("  sample: 0.5\n", Map.of());
    assertThat(config.store()).isEqualTo("sqlite");
    assertThat(config.path()).isEqualTo(Path.of("/etc/modelmux/data/modelmux.db"));
    assertThat(config.sample()).isEqualTo(0.5);
    assertThat(config.logContent()).isTrue();
    assertThat(config.retentionDays()).isEqualTo(30);
  }

  @Test
  void postgresTakesItsPasswordFromTheEnvironment() {
    InteractionsConfig config = parse("  store: postgres\n  url: postgresql://modelmux@db:5432/modelmux\n  password_env: PGPW\n",
        Map.of("PGPW", "s3cret-db-pw"));
    assertThat(config.url().getHost()).isEqualTo("db");
    assertThat(config.password().reveal()).isEqualTo("s3cret-db-pw");
    assertThat(config.toString()).doesNotContain("s3cret-db-pw");
  }

  @Test
  void badSettingsAreRefusedNamingTheField() {
    assertThatThrownBy(() -> parse("  store: mongo\n", Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("interactions.store");
    assertThatThrownBy(() -> parse("  sample: 2\n", Map.of())).hasMessageContaining("interactions.sample");
    assertThatThrownBy(() -> parse("  store: postgres\n  url: postgresql://u:pw@db/x\n", Map.of())).hasMessageContaining("interactions.url")
        .hasMessageContaining("password_env");
    assertThatThrownBy(() -> parse("  store: postgres\n  url: postgresql://u@db/x\n  password_env: NOPE\n", Map.of()))
        .hasMessageContaining("interactions.password_env").hasMessageContaining("NOPE");
    assertThatThrownBy(() -> parse("  retention: 3\n", Map.of())).hasMessageContaining("retention");
  }
}
