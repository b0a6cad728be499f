package dev.modelmux.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A request only records into meters registered by the first request of its attribute set: the same values, no new meters. */
class GenAiMetersTest {
  @Test
  void laterRequestsRecordIntoTheFirstOnesMetersWithTheSameValues() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GenAiMeters genAi = new GatewayMetrics(registry).genAi();
    genAi.request("openai", "chat", "gpt-4", null, 10, 5, 40, 250, true);
    int meters = registry.getMeters().size();
    genAi.request("openai", "chat", "gpt-4", null, 20, 1, 60, 750, true);

    assertThat(registry.getMeters()).hasSize(meters);
    Timer duration = registry.get("gen_ai.client.operation.duration").tag("error.type", "none").timer();
    assertThat(duration.count()).isEqualTo(2);
    assertThat(duration.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1_000.0);
    Timer ttft = registry.get("gen_ai.server.time_to_first_token").timer();
    assertThat(ttft.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(100.0);
    Timer perToken = registry.get("gen_ai.server.time_per_output_token").timer();
    assertThat(perToken.count()).as("only answers of more than one token").isEqualTo(1);
    assertThat(perToken.totalTime(TimeUnit.MILLISECONDS)).isEqualTo((250 - 40) / 4.0);
    assertThat(registry.get("gen_ai.client.token.usage").tag("gen_ai.token.type", "input").summary().totalAmount()).isEqualTo(30.0);
  }
}
