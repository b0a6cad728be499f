package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.ModelStats;
import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.RedisServer;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two gateway replicas share one real redis-server: a burst split across both never pushes a deployment past
 * its limits (the emulator, enforcing the same limits per key, counts what it admitted), the overflow goes to
 * the next tier, nothing fails; with Redis killed they keep serving, and share again once it is back.
 */
@ExtendWith(VertxExtension.class)
class SharedBudgetTest {
  private static final List<EmulatedModel> MODELS = List.of(
      new EmulatedModel("gpt-4", 0, 0, 8192, 0, 10, Fault.NONE),           // the account behind small-rpm: 10 RPM
      new EmulatedModel("gpt-4-32k", 0, 0, 32768, 1000, 0, Fault.NONE),    // the account behind small-tpm: 1,000 TPM
      new EmulatedModel("gpt-3.5-turbo", 0, 0, 16385, 0, 0, Fault.NONE));

  private static final String CONFIG = """
      deployments:
        - id: small-rpm
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 1000000, rpm: 10 }
        - id: small-tpm
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4-32k
          context_window: 32768
          limits: { tpm: 1000, rpm: 1000 }
        - id: fallback
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_B
          model: gpt-3.5-turbo
          context_window: 16385
          limits: { tpm: 10000000, rpm: 100000 }
      routes:
        - name: rpm-route
          tiers: [[small-rpm], [fallback]]
        - name: tpm-route
          tiers: [[small-tpm], [fallback]]
      """;

  private RedisServer redis;
  private GatewayFixture first;
  private ModelMux second;
  private TestClient toFirst;
  private TestClient toSecond;

  @BeforeEach
  void start(Vertx vertx) {
    redis = RedisServer.start();
    String redisSection = "redis: { url: " + redis.url() + ", timeout_ms: 200 }\n"
        + "resilience: { breaker_failures: 2, breaker_reset_ms: 5000 }\n";
    first = await(GatewayFixture.start(vertx, MODELS, CONFIG, redisSection));
    second = await(GatewayFixture.gateway(vertx, first.emulator, CONFIG, redisSection));
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

  private List<Reply> burst(String route, int count, Integer maxTokens, String text) {
    List<Future<Reply>> replies = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonObject body = new JsonObject().put("model", route)
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text + " #" + i)));
      if (maxTokens != null) {
        body.put("max_tokens", maxTokens);
      }
      replies.add((i % 2 == 0 ? toFirst : toSecond).postJson("/v1/chat/completions", body));
    }
    return replies.stream().map(f -> await(f)).toList();
  }

  private static Map<String, Long> servedBy(List<Reply> replies) {
    return replies.stream().collect(Collectors.groupingBy(r -> r.headers().get("x-modelmux-deployment"), Collectors.counting()));
  }

  @Test
  void aBurstOverBothReplicasNeverExceedsASmallRpm() {
    List<Reply> replies = burst("rpm-route", 40, null, "words: 5");
    assertThat(replies).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
    ModelStats account = first.emulator.stats("gpt-4");
    assertThat(account.rateLimited()).as("429s the provider had to send").isZero();
    assertThat(account.maxRequestsInWindow()).isEqualTo(10);
    assertThat(servedBy(replies)).isEqualTo(Map.of("small-rpm", 10L, "fallback", 30L));
  }

  @Test
  void aBurstOverBothReplicasNeverExceedsASmallTpm() {
    // Each request uses its prompt + all of its 40 output tokens (the answer is longer): 1,000 TPM holds about 19.
    List<Reply> replies = burst("tpm-route", 40, 40, "words: 60");
    assertThat(replies).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
    ModelStats account = first.emulator.stats("gpt-4-32k");
    assertThat(account.rateLimited()).as("429s the provider had to send").isZero();
    assertThat(account.maxTokensInWindow()).isLessThanOrEqualTo(1000);
    Map<String, Long> served = servedBy(replies);
    assertThat(served.get("small-tpm")).isBetween(10L, 39L);
    assertThat(served.get("fallback")).isPositive();
  }

  @Test
  void aBreakerOpenedOnOneReplicaIsHonouredByTheOther() {
    first.emulator.setFault("gpt-4", Fault.status(503));
    for (int i = 0; i < 2; i++) {
      List<Reply> viaFirst = List.of(await(toFirst.postJson("/v1/chat/completions", new JsonObject().put("model", "rpm-route")
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))))));
      assertThat(viaFirst.get(0).headers().get("x-modelmux-deployment")).isEqualTo("fallback");
    }
    long callsBefore = first.emulator.stats("gpt-4").requests();
    Reply viaSecond = await(toSecond.postJson("/v1/chat/completions", new JsonObject().put("model", "rpm-route")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")))));
    assertThat(viaSecond.status()).isEqualTo(200);
    assertThat(viaSecond.headers().get("x-modelmux-deployment")).isEqualTo("fallback");
    assertThat(first.emulator.stats("gpt-4").requests()).as("the second replica never called the dead deployment")
        .isEqualTo(callsBefore);
  }

  @Test
  void withRedisKilledBothReplicasKeepServingOnTheirLocalShareAndShareAgainWhenItReturns() {
    assertThat(await(toFirst.get("/health/ready")).json().getJsonObject("checks").getJsonObject("budgets").getString("mode")).isEqualTo("redis");
    Function<TestClient, Long> replicas = c -> await(c.get("/health/ready")).json().getJsonObject("checks").getJsonObject("budgets").getLong("replicas");
    assertEventually(() -> {
      assertThat(replicas.apply(toFirst)).as("each replica knows how many share the budget").isEqualTo(2);
      assertThat(replicas.apply(toSecond)).isEqualTo(2);
    });
    redis.kill();
    List<Reply> during = burst("rpm-route", 20, null, "words: 3");
    assertThat(during).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
    JsonObject budgets = await(toFirst.get("/health/ready")).json().getJsonObject("checks").getJsonObject("budgets");
    assertThat(budgets.getString("mode")).isEqualTo("local-fallback");
    // Each replica took its local share (half) of the 10 RPM: the account still saw no more than 10.
    assertThat(first.emulator.stats("gpt-4").rateLimited()).isZero();

    redis.restart();
    Function<TestClient, String> mode = c -> await(c.get("/health/ready")).json().getJsonObject("checks").getJsonObject("budgets").getString("mode");
    assertEventually(() -> {
      assertThat(mode.apply(toFirst)).isEqualTo("redis");
      assertThat(mode.apply(toSecond)).isEqualTo("redis");
    });
    List<Reply> after = burst("tpm-route", 10, 40, "words: 60");
    assertThat(after).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
    JsonObject shared = await(toSecond.get("/admin/deployments")).json().getJsonArray("deployments").stream()
        .map(JsonObject.class::cast).filter(d -> d.getString("id").equals("small-tpm")).findFirst().orElseThrow();
    long served = servedBy(after).getOrDefault("small-tpm", 0L);
    // What the first replica still holds by lease (booked as used, not yet spent or given back) counts too.
    assertThat(shared.getJsonObject("used").getLong("requests")).as("the second replica sees the first one's requests too")
        .isBetween(served, served + shared.getJsonObject("lease").getLong("leasedRequests"));
  }
}
