package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /metrics in Prometheus format, with per-deployment meters tagged only by bounded names. */
@ExtendWith(VertxExtension.class)
class MetricsTest {
  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  @Test
  void requestsAttemptsFallbacksLatencyTokensBreakersAndHeadroomAreExposed() {
    fixture.emulator.setFault("gpt-4", Fault.status(503));
    JsonObject body = new JsonObject().put("model", "code-reasoning")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 10")));
    assertThat(await(client.postJson("/v1/chat/completions", body)).status()).isEqualTo(200);
    assertThat(await(client.post("/v1/chat/completions", "{", "application/json")).status()).isEqualTo(400);

    Reply scrape = await(client.get("/metrics"));
    assertThat(scrape.status()).isEqualTo(200);
    assertThat(scrape.headers().get("content-type")).startsWith("text/plain");
    String text = scrape.body().toString();
    assertThat(text)
        .contains("modelmux_requests_total{outcome=\"ok\",route=\"code-reasoning\"} 1.0")
        .contains("modelmux_requests_total{outcome=\"rejected\",route=\"none\"} 1.0")
        .contains("modelmux_attempts_total{deployment=\"a-gpt4\",outcome=\"overloaded\"} 1.0")
        .contains("modelmux_attempts_total{deployment=\"c-gpt35\",outcome=\"ok\"} 1.0")
        .contains("modelmux_fallbacks_total{route=\"code-reasoning\"} 2.0")
        .contains("modelmux_ttft_seconds_bucket{deployment=\"c-gpt35\"")
        .contains("modelmux_attempt_duration_seconds_count{deployment=\"c-gpt35\"} 1")
        .contains("modelmux_tokens_total{deployment=\"c-gpt35\",direction=\"out\"}")
        .contains("modelmux_breaker_state{deployment=\"a-gpt4\"} 0.0")
        .contains("modelmux_budget_headroom_tokens{deployment=\"c-gpt35\"}");
    assertThat(text).doesNotContain("req_").doesNotContain("sk-emu");
  }
}
