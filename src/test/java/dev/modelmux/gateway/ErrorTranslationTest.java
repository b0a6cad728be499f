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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every upstream status in errors-and-limits.md, from each provider, reaches each client dialect in its own words. */
@ExtendWith(VertxExtension.class)
class ErrorTranslationTest {
  private static GatewayFixture fixture;
  private static TestClient client;

  /** upstream status → {OpenAI client status, OpenAI error type, Anthropic client status, Anthropic error type}. */
  private static final Map<Integer, Object[]> EXPECTED = Map.ofEntries(
      Map.entry(400, new Object[] {400, "invalid_request_error", 400, "invalid_request_error"}),
      Map.entry(401, new Object[] {502, "server_error", 502, "api_error"}),
      Map.entry(403, new Object[] {502, "server_error", 502, "api_error"}),
      Map.entry(404, new Object[] {502, "server_error", 502, "api_error"}),
      Map.entry(408, new Object[] {504, "timeout", 504, "timeout_error"}),
      Map.entry(413, new Object[] {413, "invalid_request_error", 413, "request_too_large"}),
      Map.entry(429, new Object[] {429, null, 429, "rate_limit_error"}),
      Map.entry(500, new Object[] {500, "server_error", 500, "api_error"}),
      Map.entry(502, new Object[] {502, "server_error", 502, "api_error"}),
      Map.entry(503, new Object[] {503, "server_error", 529, "overloaded_error"}),
      Map.entry(504, new Object[] {504, "timeout", 504, "timeout_error"}),
      Map.entry(529, new Object[] {503, "server_error", 529, "overloaded_error"}));

  static List<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (String route : List.of("via-openai", "via-azure", "via-anthropic")) {
      for (int status : EXPECTED.keySet()) {
        // 529 is Anthropic's own status; a 429 pauses and drains its deployment's budget, so it gets its own gateway below.
        if ((status == 529 && !route.equals("via-anthropic")) || status == 429) {
          continue;
        }
        cases.add(Arguments.of(route, status));
      }
    }
    return cases;
  }

  @BeforeAll
  static void start(Vertx vertx) {
    // Dozens of injected provider failures in a row: keep the breakers out of the way of this matrix.
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, GatewayFixture.CROSS, NO_BREAKER));
    client = new TestClient(vertx, fixture.port());
  }

  private static final String NO_BREAKER = "resilience: { breaker_failures: 1000, retry_backoff_ms: 0 }\n";

  @AfterAll
  static void stop() {
    await(client.close());
    await(fixture.close());
  }

  @AfterEach
  void clearFaults() {
    fixture.emulator.clearFaults();
  }

  private static String model(String route) {
    return route.equals("via-anthropic") ? "claude-2" : "gpt-4";
  }

  private static JsonArray messages() {
    return new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"));
  }

  @ParameterizedTest(name = "{0} answers {1}")
  @MethodSource("cases")
  void toAnOpenAiClient(String route, int status) {
    fixture.emulator.setFault(model(route), Fault.status(status));
    Reply reply = await(client.postJson("/v1/chat/completions", new JsonObject().put("model", route).put("messages", messages())));
    Object[] expected = EXPECTED.get(status);
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(expected[0]);
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.fieldNames()).contains("message", "type", "param", "code");
    assertThat(error.getString("type")).isEqualTo(expected[1]);
  }

  @ParameterizedTest(name = "{0} answers 429")
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void aProvider429ReachesBothDialectsWithRetryAfter(String route, Vertx vertx) {
    for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
      GatewayFixture own = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, GatewayFixture.CROSS, NO_BREAKER));
      TestClient ownClient = new TestClient(vertx, own.port());
      try {
        own.emulator.setFault(model(route), Fault.status(429));
        Reply reply = await(ownClient.postJson(path, new JsonObject().put("model", route).put("max_tokens", 50).put("messages", messages())));
        assertThat(reply.status()).isEqualTo(429);
        assertThat(reply.headers().get("retry-after")).isNotBlank();
        if (path.endsWith("completions")) {
          JsonObject error = reply.json().getJsonObject("error");
          assertThat(error.getString("type")).isIn("requests", "tokens");
          assertThat(error.getString("code")).isEqualTo("rate_limit_exceeded");
        } else {
          assertThat(reply.json().getJsonObject("error").getString("type")).isEqualTo("rate_limit_error");
        }
      } finally {
        await(ownClient.close());
        await(own.close());
      }
    }
  }

  @ParameterizedTest(name = "{0} answers {1}")
  @MethodSource("cases")
  void toAnAnthropicClient(String route, int status) {
    fixture.emulator.setFault(model(route), Fault.status(status));
    Reply reply = await(client.postJson("/v1/messages",
        new JsonObject().put("model", route).put("max_tokens", 50).put("messages", messages())));
    Object[] expected = EXPECTED.get(status);
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(expected[2]);
    JsonObject body = reply.json();
    assertThat(body.getString("type")).isEqualTo("error");
    assertThat(body.getJsonObject("error").getString("type")).isEqualTo(expected[3]);
    assertThat(body.getJsonObject("error").getString("message")).isNotBlank();
  }
}
