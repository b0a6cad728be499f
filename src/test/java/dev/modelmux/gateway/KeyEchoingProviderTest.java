package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A provider that quotes the key it was sent, whole and in fragments, in its error's message, param and code: no
 * fragment of four or more of its characters reaches a client of either dialect, and only known codes pass at all.
 */
@ExtendWith(VertxExtension.class)
class KeyEchoingProviderTest {
  private static final String KEY = GatewayFixture.KEYS.get("KEY_A");
  private static final String DEPLOYMENTS = """
      resilience: { breaker_failures: 1000, retry_backoff_ms: 0 }
      deployments:
        - id: echo-openai
          provider: openai
          base_url: ${FAKE}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 1000000, rpm: 10000 }
        - id: echo-anthropic
          provider: anthropic
          base_url: ${FAKE}
          api_key_env: KEY_A
          model: claude-2
          context_window: 100000
          limits: { tpm: 1000000, rpm: 10000 }
      routes:
        - name: via-openai
          tiers: [[echo-openai]]
        - name: via-anthropic
          tiers: [[echo-anthropic]]
      """;

  private static HttpServer provider;
  private static ModelMux gateway;
  private static TestClient client;
  private static CapturedLogs logs;

  @BeforeAll
  static void start(Vertx vertx) {
    logs = CapturedLogs.attach();
    provider = await(vertx.createHttpServer().requestHandler(KeyEchoingProviderTest::answer).listen(0, "127.0.0.1"));
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1 }\n"
        + DEPLOYMENTS.replace("${FAKE}", "http://127.0.0.1:" + provider.actualPort());
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    client = new TestClient(vertx, gateway.port());
  }

  @AfterAll
  static void stop() {
    logs.detach();
    await(client.close());
    await(gateway.close());
    await(provider.close());
  }

  /** The user's text picks the answer: "status 400", "status 422", "in-band", or "known codes". */
  private static void answer(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      String key = request.path().startsWith("/v1/messages") ? request.getHeader("x-api-key")
          : request.getHeader("authorization").substring("Bearer ".length());
      String echo = "Bad key " + key + " (starts " + key.substring(0, 5) + ", ends " + key.substring(key.length() - 5)
          + ", has " + key.substring(10, 16) + ")";
      String mode = new JsonObject(body).getJsonArray("messages").getJsonObject(0).getString("content");
      boolean anthropic = request.path().startsWith("/v1/messages");
      if (mode.equals("in-band")) {
        String event = anthropic
            ? "event: error\ndata: " + new JsonObject().put("type", "error")
                .put("error", new JsonObject().put("type", "api_error").put("message", echo)).encode() + "\n\n"
            : "data: " + new JsonObject().put("error", new JsonObject().put("message", echo).put("type", key)
                .put("param", key).put("code", key)).encode() + "\n\n";
        request.response().putHeader("content-type", "text/event-stream").end(event);
        return;
      }
      int status = mode.equals("status 422") ? 422 : 400;
      boolean known = mode.equals("known codes");
      JsonObject error = anthropic
          ? new JsonObject().put("type", "error").put("error", new JsonObject().put("type", "invalid_request_error").put("message", echo))
          : new JsonObject().put("error", new JsonObject().put("message", echo).put("type", "invalid_request_error")
              .put("param", known ? "messages[0].content" : key).put("code", known ? "invalid_value" : key));
      request.response().setStatusCode(status).putHeader("content-type", "application/json").end(error.encode());
    });
  }

  static List<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    for (String route : List.of("via-openai", "via-anthropic")) {
      for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
        for (String mode : List.of("status 400", "status 422", "in-band")) {
          cases.add(Arguments.of(route, path, mode));
        }
      }
    }
    return cases;
  }

  private static JsonObject request(String route, String mode) {
    return new JsonObject().put("model", route).put("max_tokens", 20).put("stream", mode.equals("in-band"))
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", mode)));
  }

  @ParameterizedTest(name = "{0} to {1}: {2}")
  @MethodSource("cases")
  void noFragmentOfTheKeyReachesTheClient(String route, String path, String mode) {
    Buffer seen = await(client.stream(path, request(route, mode))).raw();
    assertThat(seen.length()).isPositive();
    for (int i = 0; i + 4 <= KEY.length(); i++) {
      assertThat(seen.toString()).as("fragment %s", KEY.substring(i, i + 4)).doesNotContain(KEY.substring(i, i + 4));
    }
    assertThat(logs.events).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(KEY.substring(0, 8))
        .doesNotContain(KEY.substring(KEY.length() - 8)));
  }

  @Test
  void knownCodesAndPlainFieldPathsStillReachAnOpenAiClient() {
    JsonObject error = await(client.postJson("/v1/chat/completions", request("via-openai", "known codes"))).json().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("invalid_value");
    assertThat(error.getString("param")).isEqualTo("messages[0].content");
  }
}
