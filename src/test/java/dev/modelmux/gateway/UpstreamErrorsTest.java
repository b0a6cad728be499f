package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Upstream errors reach the client with their status, in OpenAI's dialect, and never with a provider key. */
@ExtendWith(VertxExtension.class)
class UpstreamErrorsTest {
  private static GatewayFixture fixture;
  private static TestClient client;
  private static CapturedLogs logs;

  @BeforeAll
  static void start(Vertx vertx) {
    logs = CapturedLogs.attach();
    fixture = await(GatewayFixture.start(vertx));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterAll
  static void stop() {
    logs.detach();
    await(client.close());
    await(fixture.close());
  }

  @AfterEach
  void clearFaults() {
    fixture.emulator.clearFaults();
  }

  private static Reply ask(String model, String text) {
    JsonObject body = new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
    return await(client.postJson("/v1/chat/completions", body));
  }

  @Test
  void aRateLimitKeepsItsStatusTypeAndRetryAfter() {
    fixture.emulator.setFault("gpt-4", Fault.status(429));
    Reply reply = ask("solo", "hi");
    assertThat(reply.status()).isEqualTo(429);
    assertThat(reply.headers().get("retry-after")).isNotBlank();
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("rate_limit_exceeded");
    assertThat(error.getString("type")).isIn("requests", "tokens");
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("a-gpt4");
  }

  @Test
  void aServerErrorOnEveryCandidateKeepsItsStatus() {
    fixture.emulator.setFault("gpt-4", Fault.status(500));
    Reply reply = ask("solo", "hi");
    assertThat(reply.status()).isEqualTo(500);
    assertThat(reply.json().getJsonObject("error").getString("type")).isEqualTo("server_error");
  }

  @Test
  void aNonJsonErrorBodyIsTolerated() {
    fixture.emulator.setFault("gpt-4", Fault.status(502));
    Reply reply = ask("solo", "hi");
    assertThat(reply.status()).isEqualTo(502);
    assertThat(reply.json().getJsonObject("error").getString("message")).contains("a-gpt4");
  }

  @Test
  void contextLengthExceededPassesThrough() {
    Reply reply = ask("gpt-3.5-turbo", "hello ".repeat(5000));
    assertThat(reply.status()).isEqualTo(400);
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("context_length_exceeded");
    assertThat(error.getString("param")).isEqualTo("messages");
  }

  @Test
  void aRejectedProviderKeyNeverReachesTheClientOrTheLogs() {
    fixture.emulator.setFault("gpt-4", Fault.status(401));
    Reply reply = ask("solo", "hi");
    assertThat(reply.status()).isEqualTo(502);
    assertThat(reply.json().getJsonObject("error").getString("message")).contains("a-gpt4").contains("api_key_env");
    for (String key : GatewayFixture.KEYS.values()) {
      for (String fragment : new String[] {key, key.substring(0, 8), key.substring(key.length() - 8)}) {
        assertThat(reply.body().toString()).doesNotContain(fragment);
        assertThat(logs.events).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(fragment));
      }
    }
  }

  @Test
  void everyRequestLeavesOneAccessLogLine() {
    Reply reply = await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "solo")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 7")))));
    String id = reply.headers().get("x-request-id");
    int completionTokens = reply.json().getJsonObject("usage").getInteger("completion_tokens");
    assertEventually(() -> assertThat(logs.events)
        .filteredOn(e -> e.getLoggerName().equals("modelmux.access") && e.getFormattedMessage().contains(id))
        .singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage())
            .contains("route=solo", "deployment=a-gpt4", "status=200", "completion_tokens=" + completionTokens, "ttft_ms=", "total_ms=")));
  }
}
