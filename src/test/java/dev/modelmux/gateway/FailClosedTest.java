package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.RedisServer;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code redis.on_unavailable: fail_closed}: with Redis gone the gateway refuses rather than risk an account, in each
 * client's dialect, with retry-after, and never calls the provider.
 */
class FailClosedTest {
  private final Vertx vertx = Vertx.vertx();
  private RedisServer redis;
  private GatewayFixture gateway;
  private TestClient client;

  @BeforeEach
  void start() {
    redis = RedisServer.start();
    gateway = await(GatewayFixture.start(vertx, GatewayFixture.MODELS, GatewayFixture.STANDARD,
        "redis: { url: " + redis.url() + ", on_unavailable: fail_closed, failures_to_down: 1, "
            + "lease_ms: 2000, unavailable_after_ms: 200 }\n"));
    client = new TestClient(vertx, gateway.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(gateway.close());
    await(vertx.close());
    redis.stop();
  }

  @Test
  void withRedisGoneBothDialectsGetARetryableOverloadAndNoProviderIsCalled() {
    JsonObject messages = new JsonObject().put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    assertThat(await(client.postJson("/v1/chat/completions", messages.copy().put("model", "solo"))).status()).isEqualTo(200);
    long calls = gateway.emulator.stats("gpt-4").requests();
    redis.kill();
    // The lease it holds is spent first; left idle it is closed (1 s), that call fails, and 200 ms later Redis is unavailable.
    assertEventually(() -> assertThat(await(client.get("/health/ready")).json().getJsonObject("checks")
        .getJsonObject("budgets").getString("mode")).isEqualTo("local-fallback"));

    Reply openai = await(client.postJson("/v1/chat/completions", messages.copy().put("model", "solo")));
    assertThat(openai.status()).isEqualTo(503);
    assertThat(openai.headers().get("retry-after")).isNotBlank();
    assertThat(openai.json().getJsonObject("error").getString("message")).contains("unavailable");

    Reply anthropic = await(client.postJson("/v1/messages", messages.copy().put("model", "solo").put("max_tokens", 10)));
    assertThat(anthropic.status()).isEqualTo(529);
    assertThat(anthropic.headers().get("retry-after")).isNotBlank();
    assertThat(anthropic.json().getJsonObject("error").getString("type")).isEqualTo("overloaded_error");

    assertThat(gateway.emulator.stats("gpt-4").requests()).as("provider calls after Redis went away").isEqualTo(calls);
  }
}
