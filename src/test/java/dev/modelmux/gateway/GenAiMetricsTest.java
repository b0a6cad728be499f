package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The OpenTelemetry GenAI conventions' metrics, per request as the client saw it, with bounded attributes. */
@ExtendWith(VertxExtension.class)
class GenAiMetricsTest {
  @Test
  void requestsAreMeasuredUnderTheGenAiNames(Vertx vertx) {
    GatewayFixture fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, GatewayFixture.CROSS, ""));
    TestClient client = new TestClient(vertx, fixture.port());
    try {
      JsonArray ask = new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 20"));
      await(client.stream(new JsonObject().put("model", "via-anthropic").put("stream", true).put("messages", ask)));
      await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "via-openai").put("messages", ask)));
      fixture.emulator.setFault("gpt-4", Fault.status(400));
      await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "via-azure").put("messages", ask)));

      String metrics = await(client.get("/metrics")).body().toString();
      String anthropic = "gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"anthropic\",gen_ai_request_model=\"via-anthropic\","
          + "gen_ai_response_model=\"claude-2\"";
      assertThat(metrics).contains("gen_ai_client_token_usage_count{" + anthropic + ",gen_ai_token_type=\"input\"} 1")
          .contains("gen_ai_client_token_usage_count{" + anthropic + ",gen_ai_token_type=\"output\"} 1")
          .contains("gen_ai_server_time_to_first_token_seconds_count{" + anthropic + "} 1")
          .contains("gen_ai_server_time_per_output_token_seconds_count{" + anthropic + "} 1")
          .contains("gen_ai_client_operation_duration_seconds_count{error_type=\"none\"," + anthropic + "} 1")
          .contains("gen_ai_client_operation_duration_seconds_bucket{error_type=\"none\"," + anthropic + ",le=\"81.92\"} 1");
      assertThat(metrics).as("a non-streamed answer has no first token of its own")
          .doesNotContain("gen_ai_server_time_to_first_token_seconds_count{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai\"");
      assertThat(metrics).contains("gen_ai_client_operation_duration_seconds_count{error_type=\"invalid_request\",gen_ai_operation_name=\"chat\","
          + "gen_ai_provider_name=\"azure.ai.openai\",gen_ai_request_model=\"via-azure\",gen_ai_response_model=\"gpt-4\"} 1");
    } finally {
      await(client.close());
      await(fixture.close());
    }
  }
}
