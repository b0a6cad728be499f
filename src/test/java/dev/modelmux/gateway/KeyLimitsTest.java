package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.RedisServer;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A client key's own limits, held in Redis and so shared by two replicas, refuse it at the door in its dialect. */
@ExtendWith(VertxExtension.class)
class KeyLimitsTest {
  private static final String OPENAI_KEY = GatewayFixture.KEYS.get("KEY_A");
  private static final String ANTHROPIC_KEY = GatewayFixture.KEYS.get("KEY_B");

  private static final String DEPLOYMENTS = GatewayFixture.STANDARD + """
        - name: guarded
          guard: { secrets: block }
          tiers:
            - [a-gpt4]
      """;

  private RedisServer redis;
  private static final String OPERATOR_KEY = "sk-operator-key-limits-4c2e9a";
  private GatewayFixture first;
  private ModelMux second;
  private TestClient toFirst;
  private TestClient toSecond;

  @BeforeEach
  void start(Vertx vertx) {
    redis = RedisServer.start();
    String extra = "redis: { url: " + redis.url() + " }\n" + """
        auth:
          mode: keys
          keys:
            - id: ide
              key_env: KEY_A
              limits: { rpm: 3 }
            - id: ci
              key_env: KEY_B
              limits: { rpm: 1, tpm: 100000 }
            - id: ops
              key_sha256: "%s"
              admin: true
        """.formatted(java.util.HexFormat.of().formatHex(dev.modelmux.config.AuthConfig.sha256(OPERATOR_KEY)));
    first = await(GatewayFixture.start(vertx, GatewayFixture.MODELS, DEPLOYMENTS, extra));
    second = await(GatewayFixture.gateway(vertx, first.emulator, DEPLOYMENTS, extra));
    toFirst = new TestClient(vertx, first.port());
    toSecond = new TestClient(vertx, second.port());
  }

  @AfterEach
  void stop() {
    await(toFirst.close());
    await(toSecond.close());
    await(second.close());
    await(first.close());
    redis.stop();
  }

  @Test
  void aKeyOverItsOwnRpmAcrossBothReplicasGetsA429WithRetryAfterAndNoDeploymentIsCalled() {
    for (int i = 0; i < 3; i++) {
      assertThat(openAi(i % 2 == 0 ? toFirst : toSecond).status()).isEqualTo(200);
    }
    long calls = first.emulator.stats("gpt-4").requests();
    Reply refused = openAi(toSecond);
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.headers().get("retry-after")).isNotBlank();
    assertThat(refused.json().getJsonObject("error").getString("message")).contains("Client key 'ide'").contains("3 requests per minute");
    assertThat(refused.json().getJsonObject("error").getString("code")).isEqualTo("rate_limit_exceeded");
    assertThat(openAi(toFirst).status()).as("the first replica knows too").isEqualTo(429);
    assertThat(first.emulator.stats("gpt-4").requests()).as("refused at the door").isEqualTo(calls);

    JsonArray keys = await(toFirst.getAsOperator("/admin/keys", OPERATOR_KEY)).json().getJsonArray("keys");
    JsonObject ide = keys.getJsonObject(0);
    assertThat(ide.getString("id")).isEqualTo("ide");
    assertThat(ide.getJsonObject("used").getLong("requests")).isEqualTo(3);
    assertThat(ide.getJsonObject("used").getLong("tokens")).as("settled with what the answers used").isPositive();
    assertThat(ide.getJsonObject("headroom").getLong("requests")).isZero();
    assertThat(keys.encode()).doesNotContain(OPENAI_KEY.substring(0, 12));

    JsonObject served = ide.getJsonObject("since_start");
    assertThat(served.getLong("requests")).as("two answered and one refused by this replica").isEqualTo(3);
    long in = served.getJsonObject("tokens").getLong("in");
    long out = served.getJsonObject("tokens").getLong("out");
    assertThat(in).isPositive();
    assertThat(out).isPositive();
    assertThat(served.getDouble("spend_usd")).as("a-gpt4's price: $30 in, $60 out per million")
        .isCloseTo((30.0 * in + 60.0 * out) / 1_000_000, Offset.offset(1e-6));

    String metrics = await(toFirst.getAsOperator("/metrics", OPERATOR_KEY)).body().toString();
    assertThat(metrics).contains("modelmux_key_requests_total{key=\"ide\",outcome=\"ok\"} 2.0")
        .contains("modelmux_key_requests_total{key=\"ide\",outcome=\"key_refused\"} 1.0")
        .contains("modelmux_key_tokens_total{direction=\"in\",key=\"ide\"} " + in + ".0")
        .contains("modelmux_key_spend_usd_total{key=\"ide\"}")
        .contains("modelmux_key_requests_total{key=\"ci\"").as("ids from the config only").doesNotContain("key=\"-\"");
  }

  @Test
  void requestsRefusedBeforeRoutingAreCountedUnderTheKeyToo() {
    MultiMap auth = MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + ANTHROPIC_KEY);
    String secret = "AKIA" + "Z7QX3MPL4KWN2RVB";
    Reply blocked = await(toFirst.post("/v1/chat/completions", new JsonObject().put("model", "guarded").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "deploy with " + secret))).encode(), "application/json", auth));
    assertThat(blocked.status()).isEqualTo(400);
    Reply unknown = await(toFirst.post("/v1/chat/completions", new JsonObject().put("model", "no-such-route").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "hi"))).encode(), "application/json", auth));
    assertThat(unknown.status()).isEqualTo(404);
    Reply bad = await(toFirst.post("/v1/chat/completions", new JsonObject().put("model", "guarded").encode(), "application/json", auth));
    assertThat(bad.status()).as("no messages").isEqualTo(400);
    String metrics = await(toFirst.getAsOperator("/metrics", OPERATOR_KEY)).body().toString();
    assertThat(metrics).contains("modelmux_key_requests_total{key=\"ci\",outcome=\"secret_refused\"} 1.0")
        .contains("modelmux_key_requests_total{key=\"ci\",outcome=\"unknown_model\"} 1.0")
        .contains("modelmux_key_requests_total{key=\"ci\",outcome=\"rejected\"} 1.0")
        .doesNotContain(secret);
    assertThat(await(toFirst.getAsOperator("/admin/keys", OPERATOR_KEY)).json().getJsonArray("keys").getJsonObject(1).getJsonObject("since_start")
        .getLong("requests")).isEqualTo(3);
  }

  @Test
  void anAnthropicClientOverItsKeysLimitGetsARateLimitErrorInItsDialect() {
    assertThat(anthropic(toFirst).status()).isEqualTo(200);
    Reply refused = anthropic(toSecond);
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.headers().get("retry-after")).isNotBlank();
    assertThat(refused.json().getString("type")).isEqualTo("error");
    assertThat(refused.json().getJsonObject("error").getString("type")).isEqualTo("rate_limit_error");
    assertThat(openAi(toSecond).status()).as("another key has its own budget").isEqualTo(200);
  }

  private static Reply openAi(TestClient client) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + OPENAI_KEY);
    return await(client.post("/v1/chat/completions", chat("solo").encode(), "application/json", headers));
  }

  private static Reply anthropic(TestClient client) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("x-api-key", ANTHROPIC_KEY).add("anthropic-version", "2023-06-01");
    return await(client.post("/v1/messages", chat("solo").put("max_tokens", 50).encode(), "application/json", headers));
  }

  private static JsonObject chat(String route) {
    return new JsonObject().put("model", route)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: ok")));
  }
}
