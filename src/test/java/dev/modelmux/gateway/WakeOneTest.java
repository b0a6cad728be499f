package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.budget.FailoverBudgetStore;
import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.RedisServer;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Freed budget wakes only as many waiting requests as it can serve, across replicas: with 100 requests waiting on a
 * full deployment (50 on each of two replicas) and one settlement that gives back enough for about 10, about 10
 * reserve again (counted as reserve-script calls to Redis), not 100.
 */
class WakeOneTest {
  private static final List<EmulatedModel> MODELS = List.of(
      new EmulatedModel("gpt-4", 1_500, 0, 8192, 0, 0, Fault.NONE));

  private static final String CONFIG = """
      deployments:
        - id: full
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 1000, rpm: 100000 }
      routes:
        - name: waits
          max_wait_ms: 30000
          tiers: [[full]]
      """;

  private final Vertx vertx = Vertx.vertx();
  private RedisServer redis;
  private GatewayFixture first;
  private ModelMux second;
  private TestClient toFirst;
  private TestClient toSecond;

  @BeforeEach
  void start() {
    redis = RedisServer.start();
    String redisSection = "redis: { url: " + redis.url() + " }\n";
    first = await(GatewayFixture.start(vertx, MODELS, CONFIG, redisSection));
    second = await(GatewayFixture.gateway(vertx, first.emulator, CONFIG, redisSection));
    toFirst = new TestClient(vertx, first.port(), 60);
    toSecond = new TestClient(vertx, second.port(), 60);
  }

  @AfterEach
  void stop() {
    await(toFirst.close().otherwiseEmpty());
    await(toSecond.close().otherwiseEmpty());
    await(second.close().otherwiseEmpty());
    await(first.close().otherwiseEmpty());
    await(vertx.close());
    redis.stop();
  }

  private static JsonObject body(String text, int maxTokens) {
    return new JsonObject().put("model", "waits").put("max_tokens", maxTokens)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  private long reserveCalls() {
    return ((FailoverBudgetStore) first.gateway.budgets()).redis().reserveCalls()
        + ((FailoverBudgetStore) second.budgets()).redis().reserveCalls();
  }

  @Test
  void budgetFreedForTenWakesAboutTenOfAHundredWaiters() {
    // The holder reserves ~960 of the 1,000 TPM for 1.5 s and uses a handful: its settlement gives back ~950.
    Future<Reply> holder = toFirst.postJson("/v1/chat/completions", body("say: ok", 950));
    assertEventually(() -> assertThat(reserveCalls()).isEqualTo(1));
    // 100 requests that need ~90 each find no room and wait.
    List<Future<Reply>> waiters = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      waiters.add((i % 2 == 0 ? toFirst : toSecond).postJson("/v1/chat/completions", body("words: 200 #" + i, 80)));
    }
    assertEventually(() -> assertThat(reserveCalls()).isEqualTo(101));

    assertThat(await(holder).status()).isEqualTo(200);
    assertEventually(() -> assertThat(waiters.stream().filter(Future::succeeded).count()).isGreaterThanOrEqualTo(9));
    long rereserved = reserveCalls() - 101;
    long served = waiters.stream().filter(Future::succeeded).filter(f -> f.result().status() == 200).count();
    assertThat(rereserved).as("waiters that asked Redis again").isBetween(9L, 12L);
    assertThat(served).as("waiters served by the freed budget").isBetween(9L, 11L);
    assertThat(waiters.stream().filter(Future::isComplete).count()).as("the rest keep waiting").isEqualTo(served);
  }
}
