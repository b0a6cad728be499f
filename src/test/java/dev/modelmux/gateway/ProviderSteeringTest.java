package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a client's request or a provider's answer may do to state other clients share: a duplicated key is refused
 * before routing (so a provider never reads a model the client chose), a 4xx the request's content caused never opens
 * a breaker, a provider's retry-after is capped, and a provider's redirect is a 502, never relayed.
 */
@ExtendWith(VertxExtension.class)
class ProviderSteeringTest {
  private static final String YAML = """
      server: { host: 127.0.0.1, port: 0, instances: 1 }
      resilience: { breaker_failures: 3, breaker_reset_ms: 60000, retry_backoff_ms: 0, max_provider_pause_ms: 30000 }
      deployments:
        - { id: fake, provider: openai, base_url: "${FAKE}/v1", api_key_env: KEY_A, model: real-model,
            context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
        - { id: redirecting, provider: openai, base_url: "${FAKE}/v1", api_key_env: KEY_A, model: redirect-me,
            context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
      routes:
        - { name: gpt-4, tiers: [[fake]] }
        - { name: only-redirects, tiers: [[redirecting]] }
        - { name: redirects-then-fake, tiers: [[redirecting], [fake]] }
      """;

  private HttpServer provider;
  private ModelMux gateway;
  private TestClient client;
  private final Set<String> modelsSeen = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void start(Vertx vertx) {
    provider = await(vertx.createHttpServer().requestHandler(this::answer).listen(0, "127.0.0.1"));
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get)
        .parse(YAML.replace("${FAKE}", "http://127.0.0.1:" + provider.actualPort()))));
    client = new TestClient(vertx, gateway.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(gateway.close());
    await(provider.close());
  }

  /** The user's text picks the answer: "status N" answers that 4xx as the request's fault, "retry forever" a 429. */
  private void answer(HttpServerRequest request) {
    request.body().onSuccess(raw -> {
      JsonObject body = new JsonObject(raw);
      modelsSeen.add(body.getString("model"));
      String text = body.getJsonArray("messages").getJsonObject(0).getString("content");
      if (body.getString("model").equals("redirect-me")) {
        request.response().setStatusCode(302).putHeader("location", "http://127.0.0.1:1/elsewhere").end();
      } else if (!body.getString("model").equals("real-model")) {
        error(request, 404, "The model `" + body.getString("model") + "` does not exist", "model_not_found");
      } else if (text.startsWith("status ")) {
        int status = Integer.parseInt(text.substring("status ".length()));
        error(request, status, "The request's content was refused.", status == 404 ? "file_not_found" : "invalid_value");
      } else if (text.equals("retry forever")) {
        request.response().setStatusCode(429).putHeader("retry-after", "999999999").putHeader("content-type", "application/json")
            .end(new JsonObject().put("error", new JsonObject().put("message", "slow down").put("type", "requests")).encode());
      } else {
        request.response().putHeader("content-type", "application/json").end(new JsonObject()
            .put("id", "chatcmpl-1").put("object", "chat.completion").put("created", 0).put("model", "real-model")
            .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
                .put("message", new JsonObject().put("role", "assistant").put("content", "hello"))))
            .put("usage", new JsonObject().put("prompt_tokens", 3).put("completion_tokens", 1).put("total_tokens", 4)).encode());
      }
    });
  }

  private static void error(HttpServerRequest request, int status, String message, String code) {
    request.response().setStatusCode(status).putHeader("content-type", "application/json").end(new JsonObject()
        .put("error", new JsonObject().put("message", message).put("type", "invalid_request_error").put("code", code)).encode());
  }

  private static JsonObject chat(String route, String text) {
    return new JsonObject().put("model", route).put("max_tokens", 5)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  private JsonObject deployment(String id) {
    JsonArray all = await(client.get("/admin/deployments")).json().getJsonArray("deployments");
    for (int i = 0; i < all.size(); i++) {
      if (all.getJsonObject(i).getString("id").equals(id)) {
        return all.getJsonObject(i);
      }
    }
    throw new AssertionError("no deployment " + id);
  }

  @Test
  void aDuplicatedModelIsRefusedAndCannotOpenTheBreaker() {
    String attack = "{\"model\":\"gpt-4\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"evil\"}";
    for (int i = 0; i < 6; i++) {
      TestClient.Reply openAi = await(client.post("/v1/chat/completions", attack, "application/json"));
      assertThat(openAi.status()).isEqualTo(400);
      assertThat(openAi.json().getJsonObject("error").getString("param")).isEqualTo("model");
      TestClient.Reply anthropic = await(client.post("/v1/messages", attack, "application/json"));
      assertThat(anthropic.status()).isEqualTo(400);
      assertThat(anthropic.json().getJsonObject("error").getString("message")).startsWith("model: ").contains("duplicate key");
    }
    assertThat(modelsSeen).doesNotContain("evil");
    assertThat(deployment("fake").getString("breaker")).isEqualTo("closed");
    assertThat(await(client.postJson("/v1/chat/completions", chat("gpt-4", "hi"))).status()).isEqualTo(200);
  }

  @Test
  void fourHundredsTheRequestsContentCausedNeverOpenTheBreaker() {
    for (int status : List.of(400, 404, 413, 422)) {
      for (int i = 0; i < 4; i++) { // breaker_failures is 3
        int seen = await(client.postJson("/v1/chat/completions", chat("gpt-4", "status " + status))).status();
        assertThat(seen).as("status %d", status).isBetween(400, 502);
      }
      assertThat(deployment("fake").getString("breaker")).as("after four %ds", status).isEqualTo("closed");
    }
    TestClient.Reply another = await(client.postJson("/v1/chat/completions", chat("gpt-4", "hi")));
    assertThat(another.status()).isEqualTo(200);
    assertThat(another.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .isEqualTo("hello");
  }

  @Test
  void aProvidersRetryAfterIsCappedAtMaxProviderPauseMs() {
    TestClient.Reply limited = await(client.postJson("/v1/chat/completions", chat("gpt-4", "retry forever")));
    assertThat(limited.status()).isEqualTo(429);
    assertThat(Long.parseLong(limited.headers().get("retry-after"))).isBetween(1L, 30L);
    long pausedFor = deployment("fake").getLong("paused_for_ms");
    assertThat(pausedFor).isPositive().isLessThanOrEqualTo(30_000);
  }

  @Test
  void aProvidersRedirectIsA502InTheClientsDialectAndFailsOver() {
    TestClient.Reply openAi = await(client.postJson("/v1/chat/completions", chat("only-redirects", "hi")));
    assertThat(openAi.status()).isEqualTo(502);
    assertThat(openAi.headers().get("location")).isNull();
    assertThat(openAi.json().getJsonObject("error").getString("type")).isEqualTo("server_error");
    TestClient.Reply anthropic = await(client.postJson("/v1/messages", chat("only-redirects", "hi")));
    assertThat(anthropic.status()).isEqualTo(502);
    assertThat(anthropic.json().getJsonObject("error").getString("type")).isEqualTo("api_error");
    assertThat(await(client.postJson("/v1/chat/completions", chat("redirects-then-fake", "hi"))).status()).isEqualTo(200);
  }
}
