package dev.modelmux.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.server.ModelMux;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The keys of learned deadlines: a deployment's latency warm start, and the multiple, floor and cap in resilience. */
class LearnedDeadlinesConfigTest {
  private final ConfigLoader loader = ModelMux.configLoader(Map.of("KEY_A", "sk-test-aaaaaaaaaaaaaaaa")::get);

  private static final String DEPLOYMENT = """
      deployments:
        - id: a-gpt4
          provider: openai
          base_url: http://127.0.0.1:9099/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 40000, rpm: 200 }
      """;

  private GatewayConfig parse(String deploymentLines, String extra) {
    return loader.parse(DEPLOYMENT + deploymentLines + extra);
  }

  private void assertFails(String deploymentLines, String extra, String message) {
    assertThatThrownBy(() -> parse(deploymentLines, extra)).isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }

  @Test
  void firstTokenAndIdleAreLearnedUnlessConfigured() {
    Timeouts defaults = parse("", "").deployments().get(0).timeouts();
    assertThat(defaults.firstTokenLearned()).isTrue();
    assertThat(defaults.idleLearned()).isTrue();
    assertThat(defaults.connectMs()).isEqualTo(5_000);
    assertThat(defaults.totalMs()).isEqualTo(600_000);
    Timeouts set = parse("    timeouts: { first_token_ms: 1500 }\n", "").deployments().get(0).timeouts();
    assertThat(set.firstTokenLearned()).isFalse();
    assertThat(set.firstTokenMs()).isEqualTo(1500);
    assertThat(set.idleLearned()).isTrue();
  }

  @Test
  void aDeploymentsLatencyWarmStartIsReadAndBounded() {
    assertThat(parse("", "").deployments().get(0).latency()).isEqualTo(new LatencyPrior(2_500, 2_500));
    assertThat(parse("    latency: { first_token_p99_ms: 1500, gap_p99_ms: 300 }\n", "").deployments().get(0).latency())
        .isEqualTo(new LatencyPrior(1_500, 300));
    assertThat(parse("    latency: { gap_p99_ms: 300 }\n", "").deployments().get(0).latency()).isEqualTo(new LatencyPrior(2_500, 300));
    assertFails("    latency: { first_token_p99_ms: 0 }\n", "", "latency.first_token_p99_ms");
    assertFails("    latency: { gap_p99_ms: 600001 }\n", "", "latency.gap_p99_ms");
    assertFails("    latency: { ttft_ms: 100 }\n", "", "ttft_ms");
  }

  @Test
  void theMultipleFloorAndCapAreReadFromResilienceAndBounded() {
    assertThat(parse("", "").resilience().deadlines()).isEqualTo(new DeadlineLearning(4, 2_000, 60_000));
    assertThat(parse("", "resilience: { deadline_multiple: 3, deadline_floor_ms: 1000, deadline_cap_ms: 300000 }\n")
        .resilience().deadlines()).isEqualTo(new DeadlineLearning(3, 1_000, 300_000));
    assertFails("", "resilience: { deadline_multiple: 0 }\n", "resilience.deadline_multiple");
    assertFails("", "resilience: { deadline_multiple: 101 }\n", "resilience.deadline_multiple");
    assertFails("", "resilience: { deadline_floor_ms: 99 }\n", "resilience.deadline_floor_ms");
    assertFails("", "resilience: { deadline_cap_ms: 3600001 }\n", "resilience.deadline_cap_ms");
    assertFails("", "resilience: { deadline_floor_ms: 5000, deadline_cap_ms: 4000 }\n", "resilience.deadline_cap_ms");
  }

  @Test
  void theIdleCapIsReadFromResilienceBoundedAndAtLeastTheFloor() {
    assertThat(parse("", "").resilience().deadlines().idleCapMs()).isEqualTo(30_000);
    assertThat(parse("", "resilience: { deadline_idle_cap_ms: 120000 }\n").resilience().deadlines())
        .isEqualTo(new DeadlineLearning(4, 2_000, 60_000, 120_000));
    assertThat(parse("", "resilience: { deadline_floor_ms: 40000 }\n").resilience().deadlines().idleCapMs())
        .as("unset, it rises to a floor above 30 s").isEqualTo(40_000);
    assertFails("", "resilience: { deadline_idle_cap_ms: 99 }\n", "resilience.deadline_idle_cap_ms");
    assertFails("", "resilience: { deadline_idle_cap_ms: 3600001 }\n", "resilience.deadline_idle_cap_ms");
    assertFails("", "resilience: { deadline_floor_ms: 5000, deadline_idle_cap_ms: 4000 }\n", "resilience.deadline_idle_cap_ms");
  }

  @Test
  void theIdleCapBoundsLearnedIdleDeadlinesAndTheOnesThatWaitTheCap() {
    DeploymentConfig deployment = parse("", "resilience: { deadline_idle_cap_ms: 5000 }\n").deployments().get(0);
    assertThat(deployment.timeouts().idleLearned()).isTrue();
    DeadlineLearning learning = parse("", "resilience: { deadline_idle_cap_ms: 5000 }\n").resilience().deadlines();
    assertThat(learning.idleDeadlineFor(2_500)).isEqualTo(5_000);
    assertThat(learning.deadlineFor(2_500)).as("the first token's cap is apart").isEqualTo(10_000);
  }

  @Test
  void aDeadlineIsTheMultipleOfTheP99FlooredAndCapped() {
    DeadlineLearning learning = DeadlineLearning.DEFAULT;
    assertThat(learning.deadlineFor(100)).isEqualTo(2_000);
    assertThat(learning.deadlineFor(2_500)).isEqualTo(10_000);
    assertThat(learning.deadlineFor(20_000)).isEqualTo(60_000);
  }
}
