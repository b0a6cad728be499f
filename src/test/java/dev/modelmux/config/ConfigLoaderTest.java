package dev.modelmux.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.server.ModelMux;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  private static final Map<String, String> ENV = Map.of("KEY_A", "sk-test-aaaaaaaaaaaaaaaa", "KEY_B", "sk-test-bbbbbbbbbbbbbbbb",
      "POD_IP", "10.4.0.17");
  private final ConfigLoader loader = ModelMux.configLoader(ENV::get);

  private static final String VALID = """
      server: { port: 8081, max_body_bytes: 65536 }
      deployments:
        - id: a-gpt4
          provider: openai
          base_url: http://127.0.0.1:9099/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 40000, rpm: 200 }
          price: { input_per_mtok: 30.0, output_per_mtok: 60.0 }
          timeouts: { first_token_ms: 1500 }
        - id: b-gpt35
          provider: openai
          base_url: https://api.openai.com/v1
          api_key_env: KEY_B
          model: gpt-3.5-turbo
          context_window: 4096
          limits: { tpm: 90000, rpm: 3500 }
      routes:
        - name: code-reasoning
          tiers:
            - [a-gpt4]
            - [b-gpt35]
      """;

  @Test
  void readsAValidConfig() {
    GatewayConfig config = loader.parse(VALID);
    assertThat(config.server().port()).isEqualTo(8081);
    assertThat(config.server().maxBodyBytes()).isEqualTo(65536);
    assertThat(config.redis()).isEmpty();
    DeploymentConfig a = config.deployments().get(0);
    assertThat(a.apiKey().reveal()).isEqualTo("sk-test-aaaaaaaaaaaaaaaa");
    assertThat(a.limits()).isEqualTo(new Limits(40000, 200));
    assertThat(a.price()).isEqualTo(new Price(30.0, 60.0));
    assertThat(a.timeouts().firstTokenMs()).isEqualTo(1500);
    assertThat(a.timeouts().idleMs()).isEqualTo(Timeouts.DEFAULT.idleMs());
    assertThat(config.routes()).containsExactly(RouteConfig.tiersOnly("code-reasoning", List.of(
        List.of("a-gpt4"), List.of("b-gpt35"))));
  }

  @Test
  void aRouteContinuesBrokenStreamsUnlessItSaysNot() {
    assertThat(loader.parse(VALID).routes().get(0).continueOnFailure()).isTrue();
    assertThat(loader.parse(VALID.replace("- name: code-reasoning", "- name: code-reasoning\n    continue_on_failure: false"))
        .routes().get(0).continueOnFailure()).isFalse();
    assertFails(VALID.replace("- name: code-reasoning", "- name: code-reasoning\n    continue_on_failure: sometimes"),
        "continue_on_failure");
  }

  @Test
  void aDeploymentTakesAPrefillByItsProviderUnlessItSaysNot() {
    assertThat(loader.parse(VALID).deployments().get(0).prefill()).as("openai").isFalse();
    String anthropic = VALID.replace("provider: openai\n    base_url: http://127.0.0.1:9099/v1",
        "provider: anthropic\n    base_url: http://127.0.0.1:9099");
    assertThat(loader.parse(anthropic).deployments().get(0).prefill()).isTrue();
    assertThat(loader.parse(anthropic.replace("model: gpt-4", "model: gpt-4\n    prefill: false")).deployments().get(0).prefill())
        .isFalse();
    assertFails(VALID.replace("model: gpt-4", "model: gpt-4\n    prefill: true"),
        "deployments[0].prefill: only Anthropic deployments continue an assistant prefill");
    assertFails(anthropic.replace("model: gpt-4", "model: gpt-4\n    prefill: sometimes"), "prefill");
  }

  @Test
  void readsThePoolAndTheClientStallBoundWithTheirDefaults() {
    assertThat(loader.parse(VALID).deployments().get(0).pool()).isEqualTo(PoolConfig.DEFAULT);
    assertThat(loader.parse(VALID).server().clientStallMs()).isEqualTo(30_000);
    GatewayConfig config = loader.parse(VALID.replace("server: { port: 8081, max_body_bytes: 65536 }",
            "server: { port: 8081, client_stall_ms: 5000, send_buffer_bytes: 65536 }")
        .replace("timeouts: { first_token_ms: 1500 }",
            "timeouts: { first_token_ms: 1500 }\n    pool: { max_connections: 3, max_wait_queue: 0, max_wait_ms: 250 }"));
    assertThat(config.server().clientStallMs()).isEqualTo(5000);
    assertThat(config.server().sendBufferBytes()).isEqualTo(65536);
    assertThat(config.deployments().get(0).pool()).isEqualTo(new PoolConfig(3, 0, 250));
    assertThat(config.deployments().get(0).pool().connectionsPerEventLoop(2)).isEqualTo(2);
    assertThatThrownBy(() -> loader.parse(VALID.replace("timeouts: { first_token_ms: 1500 }",
            "timeouts: { first_token_ms: 1500 }\n    pool: { max_connections: 0 }")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("max_connections");
    assertThatThrownBy(() -> loader.parse(VALID.replace("timeouts: { first_token_ms: 1500 }",
            "timeouts: { first_token_ms: 1500 }\n    pool: { size: 10 }")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("size");
  }

  @Test
  void readsTheAdminListener() {
    assertThat(loader.parse(VALID).server().admin()).isEqualTo(new AdminConfig(null, "127.0.0.1", false));
    GatewayConfig config = loader.parse(VALID.replace("max_body_bytes: 65536", "max_body_bytes: 65536, admin_port: 9090, public_metrics: true"));
    assertThat(config.server().admin()).isEqualTo(new AdminConfig(9090, "127.0.0.1", true));
    assertThat(config.withPort(0).server().admin()).isEqualTo(config.server().admin());
    assertFails(VALID.replace("max_body_bytes: 65536", "max_body_bytes: 65536, admin_port: 8081"), "server.admin_port");
  }

  @Test
  void readsTheAdminListenersAddressFromTheEnvironmentAndItsAllowedHosts() {
    assertThat(loader.parse(VALID).server().admin().allowedHosts()).containsExactly("localhost", "127.0.0.1", "[::1]");
    AdminConfig admin = loader.parse(VALID.replace("max_body_bytes: 65536", "max_body_bytes: 65536, admin_port: 9090, "
        + "admin_host_env: POD_IP, admin_allowed_hosts: [Review.Internal, localhost, \"[::1]\"]")).server().admin();
    assertThat(admin.host()).isEqualTo("10.4.0.17");
    assertThat(admin.allowedHosts()).containsExactly("review.internal", "localhost", "[::1]");
    assertFails(VALID.replace("max_body_bytes: 65536", "max_body_bytes: 65536, admin_host_env: NOT_SET"),
        "server.admin_host_env: environment variable NOT_SET is not set");
    assertFails(VALID.replace("max_body_bytes: 65536", "max_body_bytes: 65536, admin_host: 0.0.0.0, admin_host_env: POD_IP"),
        "give admin_host or admin_host_env, not both");
    assertFails(VALID.replace("max_body_bytes: 65536", "max_body_bytes: 65536, admin_allowed_hosts: [\"localhost:8080\"]"),
        "server.admin_allowed_hosts[0]: a host name or address without a port");
  }

  @Test
  void readsTheFrontDoorLimitsWithTheirDefaults() {
    assertThat(loader.parse(VALID).server().frontDoor()).isEqualTo(FrontDoorConfig.DEFAULT);
    GatewayConfig config = loader.parse(VALID.replace("max_body_bytes: 65536", "max_body_bytes: 65536, header_timeout_ms: 2000, "
        + "idle_timeout_ms: 30000, max_header_bytes: 16384, max_line_bytes: 4096, max_connections: 500, "
        + "body_timeout_ms: 5000, body_idle_ms: 1000, max_body_bytes_in_flight: 1048576"));
    assertThat(config.server().frontDoor()).isEqualTo(new FrontDoorConfig(2000, 30000, 16384, 4096, 500, 5000, 1000, 1048576));
    assertThat(config.withPort(0).server().frontDoor()).isEqualTo(config.server().frontDoor());
    assertFails(VALID.replace("max_body_bytes: 65536", "max_body_bytes: 65536, max_connections: 0"), "server.max_connections");
  }

  @Test
  void theKeyNeverAppearsInToString() {
    GatewayConfig config = loader.parse(VALID);
    assertThat(config.toString()).doesNotContain("sk-test").contains("KEY_A");
  }

  @Test
  void theDemoConfigIsValid() {
    GatewayConfig demo = ModelMux.configLoader(name -> "demo").load(Path.of("conf/demo.yaml"));
    assertThat(demo.routes()).extracting(RouteConfig::name)
        .contains("code-reasoning", "gpt-4", "gpt-3.5-turbo", "claude-2", "claude-instant-1");
    RouteConfig codeReasoning = demo.routes().get(0);
    assertThat(codeReasoning.tiers()).containsExactly(
        List.of("openai-a-gpt4", "openai-b-gpt4", "azure-eastus-gpt4"),
        List.of("anthropic-claude-2", "anthropic-claude-instant"),
        List.of("openai-a-gpt35"));
    assertThat(demo.section(EmulatorConfig.SECTION, EmulatorConfig.class)).isPresent();
  }

  @Test
  void readsEmulatorModelsAndFaults() {
    GatewayConfig config = loader.parse(VALID + """
        emulator:
          port: 0
          models:
            - name: gpt-4
              ttft_ms: 5
              limits: { rpm: 3 }
              fault: { kind: status, status: 503, times: 2 }
        """);
    var model = config.section(EmulatorConfig.SECTION, EmulatorConfig.class).orElseThrow().models().get(0);
    assertThat(model.rpm()).isEqualTo(3);
    assertThat(model.fault()).isEqualTo(Fault.status(503).times(2));
  }

  @Test
  void aRoutesSecretGuard() {
    assertThat(loader.parse(VALID).routes().get(0).secretGuard()).isEqualTo("off");
    assertThat(loader.parse(VALID.replace("- name: code-reasoning", "- name: code-reasoning\n    guard: { secrets: redact }"))
        .routes().get(0).secretGuard()).isEqualTo("redact");
    assertFails(VALID.replace("- name: code-reasoning", "- name: code-reasoning\n    guard: { secrets: maybe }"),
        "routes[0].guard.secrets: must be redact, block or off");
  }

  @Test
  void unknownDeploymentInARoute() {
    assertFails(VALID.replace("- [b-gpt35]", "- [b-gpt35, nope]"), "routes[0].tiers[1][1]: unknown deployment 'nope'");
  }

  @Test
  void duplicateDeploymentId() {
    assertFails(VALID.replace("id: b-gpt35", "id: a-gpt4"), "deployments[1].id: duplicate deployment id 'a-gpt4'");
  }

  @Test
  void missingField() {
    assertFails(VALID.replace("    model: gpt-3.5-turbo\n", ""), "deployments[1].model: missing");
  }

  @Test
  void badUrl() {
    assertFails(VALID.replace("https://api.openai.com/v1", "not a url"), "deployments[1].base_url: not a valid URL");
  }

  @Test
  void unknownProvider() {
    assertFails(VALID.replace("provider: openai\n    base_url: https", "provider: cohere\n    base_url: https"),
        "deployments[1].provider: must be one of openai, azure, anthropic");
  }

  @Test
  void misspelledFieldIsRejected() {
    assertFails(VALID.replace("context_window: 4096", "context_windw: 4096"), "deployments[1].context_windw: unknown field");
  }

  @Test
  void wrongType() {
    assertFails(VALID.replace("context_window: 4096", "context_window: big"), "deployments[1].context_window: must be a whole number");
  }

  @Test
  void unsetKeyVariable() {
    assertFails(VALID.replace("api_key_env: KEY_B", "api_key_env: NOT_SET"),
        "deployments[1].api_key_env: deployment b-gpt35: environment variable NOT_SET is not set; "
            + "export NOT_SET=<the provider key> before starting");
  }

  @Test
  void badFault() {
    assertFails(VALID + "emulator:\n  models:\n    - name: x\n      fault: { kind: explode }\n",
        "emulator.models[0].fault.kind: unknown fault 'explode' (known: none, status, reset_before_headers,");
  }

  @Test
  void notYaml() {
    assertFails("deployments: [unclosed", "config: not valid YAML");
  }

  private static final String HASH = HexFormat.of().formatHex(AuthConfig.sha256("sk-client-one"));

  @Test
  void readsClientKeysByHashOrEnvironmentVariable() {
    GatewayConfig config = loader.parse(VALID + """
        auth:
          mode: keys
          keys:
            - id: ide
              key_sha256: "%s"
              routes: [code-reasoning, gpt-4]
            - id: ci
              key_env: KEY_B
        """.formatted(HASH.toUpperCase(Locale.ROOT)));
    AuthConfig auth = config.auth().orElseThrow();
    assertThat(auth.mode()).isEqualTo(AuthConfig.Mode.KEYS);
    assertThat(auth.keys()).extracting(AuthConfig.ClientKey::id).containsExactly("ide", "ci");
    assertThat(auth.keys().get(0).matches(AuthConfig.sha256("sk-client-one"))).isTrue();
    assertThat(auth.keys().get(0).allows("code-reasoning")).isTrue();
    assertThat(auth.keys().get(0).allows("gpt-4")).isTrue();
    assertThat(auth.keys().get(0).allows("other")).isFalse();
    assertThat(auth.keys().get(1).matches(AuthConfig.sha256("sk-test-bbbbbbbbbbbbbbbb"))).isTrue();
    assertThat(auth.keys().get(1).allows("anything")).isTrue();
    assertThat(auth.toString()).doesNotContain(HASH).doesNotContainIgnoringCase(HASH);
  }

  @Test
  void noAuthSectionIsProtectedModeAndModeNoneIsExplicit() {
    assertThat(loader.parse(VALID).auth()).isEmpty();
    assertThat(loader.parse(VALID + "auth: { mode: none }\n").auth().orElseThrow().mode()).isEqualTo(AuthConfig.Mode.NONE);
  }

  @Test
  void anOperatorKeyIsAKeyWithAdminTrueAndModeNoneListsOnlyThose() {
    String keys = "    - { id: ops, key_env: KEY_A, admin: true }\n    - { id: ide, key_sha256: \"" + HASH + "\" }\n";
    AuthConfig auth = loader.parse(VALID + "auth:\n  mode: keys\n  keys:\n" + keys).auth().orElseThrow();
    assertThat(auth.keys()).extracting(AuthConfig.ClientKey::admin).containsExactly(true, false);
    AuthConfig none = loader.parse(VALID + "auth:\n  mode: none\n  keys:\n    - { id: ops, key_env: KEY_A, admin: true }\n")
        .auth().orElseThrow();
    assertThat(none.mode()).isEqualTo(AuthConfig.Mode.NONE);
    assertThat(none.keys()).extracting(AuthConfig.ClientKey::id).containsExactly("ops");
  }

  @Test
  void refusesBadAuthSections() {
    String key = "    - id: ide\n      key_sha256: \"" + HASH + "\"\n";
    assertFails(VALID + "auth: { keys: [] }\n", "auth.mode: missing");
    assertFails(VALID + "auth: { mode: open }\n", "auth.mode: must be one of keys, none");
    assertFails(VALID + "auth: { mode: keys }\n", "auth.keys: mode: keys needs at least one key");
    assertFails(VALID + "auth:\n  mode: none\n  keys:\n" + key, "auth.keys[0].admin: mode: none serves every client without a key");
    assertFails(VALID + "auth:\n  mode: keys\n  realm: x\n  keys:\n" + key, "auth.realm: unknown field");
    assertThat(loader.parse(VALID + "auth:\n  mode: keys\n  keys:\n" + key + "      limits: { rpm: 600, tpm: 200000 }\n")
        .auth().orElseThrow().keys().get(0).limits()).isEqualTo(new Limits(200000, 600));
    assertFails(VALID + "auth:\n  mode: keys\n  keys:\n" + key + "      limits: { rpm: 0 }\n", "auth.keys[0].limits.rpm");
    assertFails(VALID + "auth:\n  mode: keys\n  keys:\n" + key + "      limits: { rph: 5 }\n", "auth.keys[0].limits.rph: unknown field");
    assertFails(VALID + "auth:\n  mode: keys\n  keys:\n" + key + "      routes: [nope]\n", "auth.keys[0].routes[0]: unknown route 'nope'");
    assertFails(VALID + "auth:\n  mode: keys\n  keys:\n" + key + "      routes: []\n", "auth.keys[0].routes: an empty allowlist");
    assertFails(VALID + "auth:\n  mode: keys\n  keys:\n" + key + key, "auth.keys[1].id: duplicate key id 'ide'");
    assertFails(VALID + "auth:\n  mode: keys\n  keys:\n" + key + key.replace("id: ide", "id: other"),
        "auth.keys[1].id: key 'other' is the same key as 'ide'");
    assertFails(VALID + "auth:\n  mode: keys\n  keys:\n    - id: ide\n      key_sha256: abc123\n", "auth.keys[0].key_sha256: must be 64 hex");
    assertFails(VALID + "auth:\n  mode: keys\n  keys:\n    - id: ide\n", "auth.keys[0].key_sha256: give exactly one");
    assertFails(VALID + "auth:\n  mode: keys\n  keys:\n" + key + "      key_env: KEY_A\n", "give exactly one");
    assertFails(VALID + "auth:\n  mode: keys\n  keys:\n    - id: ide\n      key_env: NOT_SET\n",
        "auth.keys[0].key_env: environment variable NOT_SET is not set");
    assertThatThrownBy(() -> loader.parse(VALID + "auth:\n  mode: keys\n  keys:\n    - id: ide\n      key_sha256: \"" + HASH + "x\"\n"))
        .message().doesNotContain(HASH);
  }

  @Test
  void capsAProvidersPauseAtMinutes() {
    assertThat(loader.parse(VALID).resilience().maxProviderPauseMs()).isEqualTo(60_000);
    assertThat(loader.parse(VALID + "resilience: { max_provider_pause_ms: 120000 }\n").resilience().maxProviderPauseMs())
        .isEqualTo(120_000);
    assertFails(VALID + "resilience: { max_provider_pause_ms: 999999999 }\n", "resilience.max_provider_pause_ms");
    assertFails(VALID + "resilience: { max_provider_pause_ms: 0 }\n", "resilience.max_provider_pause_ms");
  }

  @Test
  void anOpenBreakerReprobesAfterASecondDoublingToFifteenByDefault() {
    assertThat(loader.parse(VALID).resilience().breakerResetMs()).isEqualTo(1_000);
    assertThat(loader.parse(VALID).resilience().breakerResetMaxMs()).isEqualTo(15_000);
    ResilienceConfig both = loader.parse(VALID + "resilience: { breaker_reset_ms: 500, breaker_reset_max_ms: 4000 }\n").resilience();
    assertThat(both.breakerResetMs()).isEqualTo(500);
    assertThat(both.breakerResetMaxMs()).isEqualTo(4_000);
    ResilienceConfig longFirst = loader.parse(VALID + "resilience: { breaker_reset_ms: 60000 }\n").resilience();
    assertThat(longFirst.breakerResetMaxMs()).as("an unset cap is never below the first interval").isEqualTo(60_000);
    assertFails(VALID + "resilience: { breaker_reset_ms: 2000, breaker_reset_max_ms: 1000 }\n",
        "resilience.breaker_reset_max_ms: must be at least breaker_reset_ms (2000)");
    assertFails(VALID + "resilience: { breaker_reset_max_ms: 99 }\n", "resilience.breaker_reset_max_ms");
    assertFails(VALID + "resilience: { breaker_reset_max_ms: 3600001 }\n", "resilience.breaker_reset_max_ms");
  }

  @Test
  void leasesLastFiveSecondsAndRedisIsWaitedForTenByDefault() {
    String redis = "redis: { url: redis://127.0.0.1:6379 }\n";
    assertThat(loader.parse(VALID + redis).redis().orElseThrow().leaseMs()).isEqualTo(5_000);
    assertThat(loader.parse(VALID + redis).redis().orElseThrow().unavailableAfterMs()).isEqualTo(10_000);
    RedisConfig set = loader.parse(VALID + "redis: { url: redis://127.0.0.1:6379, lease_ms: 3000, unavailable_after_ms: 2000 }\n")
        .redis().orElseThrow();
    assertThat(set.leaseMs()).isEqualTo(3_000);
    assertThat(set.unavailableAfterMs()).isEqualTo(2_000);
    assertFails(VALID + "redis: { url: redis://127.0.0.1:6379, lease_ms: 1000 }\n", "redis.lease_ms");
    assertFails(VALID + "redis: { url: redis://127.0.0.1:6379, lease_ms: 60000 }\n", "redis.lease_ms");
  }

  /** The emulator accepts any key: a deployment on a loopback base URL may say it calls the emulator, with no secret. */
  @Test
  void anEmulatorAccountNeedsNoEnvironment() {
    GatewayConfig config = loader.parse(VALID.replace("api_key_env: KEY_A", "emulator_account: a"));
    DeploymentConfig a = config.deployments().get(0);
    assertThat(a.apiKey().reveal()).isEqualTo("emulator-account-a");
    assertThat(a.apiKeyEnv()).isNull();
    for (String host : new String[] {"localhost", "[::1]", "127.0.0.5"}) {
      assertThat(loader.parse(VALID.replace("api_key_env: KEY_A", "emulator_account: a").replace("127.0.0.1", host))
          .deployments().get(0).apiKey().reveal()).as(host).isEqualTo("emulator-account-a");
    }
  }

  /** A real provider's key is never written in the config: emulator_account is refused off loopback. */
  @Test
  void anEmulatorAccountIsRefusedForARealProvider() {
    assertFails(VALID.replace("api_key_env: KEY_B", "emulator_account: b"),
        "deployments[1].emulator_account: deployment b-gpt35: only for the emulator on a loopback base_url "
            + "(127.0.0.1, localhost, [::1]); a real provider's key comes from api_key_env");
    assertFails(VALID.replace("api_key_env: KEY_A", "api_key_env: KEY_A\n    emulator_account: a"),
        "deployments[0].emulator_account: deployment a-gpt4: give api_key_env or emulator_account, not both");
    assertFails(VALID.replace("    api_key_env: KEY_A\n", ""),
        "deployments[0].api_key_env: deployment a-gpt4: missing (the environment variable holding the provider key; "
            + "emulator_account: NAME for the built-in emulator)");
    assertFails(VALID.replace("api_key_env: KEY_A", "emulator_account: \"a b\""),
        "deployments[0].emulator_account: deployment a-gpt4: letters, digits, '-' and '_' only");
  }

  /** conf/demo.yaml starts as it is: no environment variable needed. */
  @Test
  void theDemoConfigLoadsWithAnEmptyEnvironment() {
    GatewayConfig demo = ModelMux.configLoader(name -> null).load(Path.of("conf/demo.yaml"));
    assertThat(demo.deployments()).isNotEmpty().allSatisfy(d -> assertThat(d.apiKey().reveal()).startsWith("emulator-account-"));
  }

  private void assertFails(String yaml, String message) {
    assertThatThrownBy(() -> loader.parse(yaml)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }
}
