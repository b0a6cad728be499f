package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.ModelStats;
import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.GatewayProcess;
import dev.modelmux.testing.RedisCluster;
import dev.modelmux.testing.RedisServer;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three replicas, each on its own Vert.x instance, started fresh on one real redis-server; 300 requests at once per
 * route (half streamed) against a deployment with {@code rpm: 40} and one with {@code tpm: 4000} (realistic
 * {@code max_tokens}; every answer uses all of it, so admitted tokens are spent tokens). The emulated accounts
 * enforce the limit exactly, so any overshoot shows as a provider 429. Each test measures and asserts: the account
 * saw at most its limit, at least 90 % of the limit was used, the rest went to the next tier, no request failed. The same on a three-master Redis Cluster, while Redis is frozen for 5 s, while it is killed and restarted empty, and with a fourth
 * replica (its own JVM) SIGKILLed mid-burst.
 */
class BurstBudgetTest {
  private static final int BURST = 300;
  private static final int RPM = 40;
  private static final int TPM = 4000;
  private static final int MAX_TOKENS = 100;

  private static final List<EmulatedModel> MODELS = List.of(
      new EmulatedModel("gpt-4", 0, 1, 8192, 0, RPM, Fault.NONE),
      new EmulatedModel("gpt-4-32k", 0, 1, 32768, TPM, 0, Fault.NONE),
      new EmulatedModel("gpt-3.5-turbo", 0, 0, 16385, 0, 0, Fault.NONE));

  private static final String CONFIG = """
      deployments:
        - id: small-rpm
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 100000000, rpm: 40 }
        - id: small-tpm
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4-32k
          context_window: 32768
          limits: { tpm: 4000, rpm: 100000 }
        - id: next-tier
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_B
          model: gpt-3.5-turbo
          context_window: 16385
          limits: { tpm: 100000000, rpm: 1000000 }
      routes:
        - name: rpm-route
          tiers: [[small-rpm], [next-tier]]
        - name: tpm-route
          tiers: [[small-tpm], [next-tier]]
      """;

  private final Vertx vertx = Vertx.vertx();
  private final List<Vertx> replicaVertx = new ArrayList<>();
  private final List<ModelMux> replicas = new ArrayList<>();
  private final List<TestClient> clients = new ArrayList<>();
  private RedisServer redis;
  private RedisCluster cluster;
  private Emulator emulator;

  @BeforeEach
  void start() {
    redis = RedisServer.start();
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, MODELS)));
  }

  private String standalone() {
    return "redis: { url: " + redis.url() + " }\n";
  }

  /** Three replicas, each on its own Vert.x instance, sharing budgets as {@code redisSection} says. */
  private void startReplicas(String redisSection) {
    for (int i = 0; i < 3; i++) {
      Vertx v = Vertx.vertx();
      replicaVertx.add(v);
      ModelMux mux = await(GatewayFixture.gateway(v, emulator, CONFIG, redisSection));
      replicas.add(mux);
      clients.add(new TestClient(vertx, mux.port(), BURST));
    }
    // Every replica knows how many share the budget before the burst (they announce themselves every second).
    assertEventually(() -> clients.forEach(c -> assertThat(budgets(c).getLong("replicas")).isEqualTo(3)));
  }

  @AfterEach
  void stop() {
    clients.forEach(c -> await(c.close().otherwiseEmpty()));
    for (int i = 0; i < replicas.size(); i++) {
      await(replicas.get(i).close().otherwiseEmpty());
      await(replicaVertx.get(i).close().otherwiseEmpty());
    }
    await(emulator.close());
    await(vertx.close());
    redis.stop();
    if (cluster != null) {
      cluster.stop();
    }
  }

  private static JsonObject budgets(TestClient c) {
    return await(c.get("/health/ready")).json().getJsonObject("checks").getJsonObject("budgets");
  }

  /** 300 requests on each route, all sent at once, spread over the replicas, every other one streamed. */
  private List<Future<Served>> burst() {
    List<Future<Served>> all = new ArrayList<>();
    for (String route : List.of("rpm-route", "tpm-route")) {
      for (int i = 0; i < BURST; i++) {
        TestClient c = clients.get(i % clients.size());
        JsonObject body = new JsonObject().put("model", route).put("max_tokens", MAX_TOKENS)
            .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 200 #" + i)));
        if (i % 2 == 0) {
          all.add(c.postJson("/v1/chat/completions", body).map(r -> new Served(route, r.status(), r.headers().get("x-modelmux-deployment"))));
        } else {
          all.add(c.stream(body.copy().put("stream", true))
              .map(r -> new Served(route, r.ended() && r.status() == 200 && !r.raw().toString().contains("\"error\"") ? 200 : 599,
                  r.headers().get("x-modelmux-deployment"))));
        }
      }
    }
    return all;
  }

  private record Served(String route, int status, String deployment) {}

  /** What the two limited accounts saw, asserted against the limits. */
  private void assertHeld(List<Served> served, String scenario) {
    ModelStats rpmAccount = emulator.stats("gpt-4");
    ModelStats tpmAccount = emulator.stats("gpt-4-32k");
    long rpmServed = served.stream().filter(s -> "small-rpm".equals(s.deployment())).count();
    long tpmServed = served.stream().filter(s -> "small-tpm".equals(s.deployment())).count();
    System.out.printf("overshoot, %s: rpm account received %d requests (limit %d), served %d; tpm account admitted %d "
        + "tokens (limit %d), served %d; provider 429s %d / %d%n", scenario, rpmAccount.requests(), RPM, rpmServed, tpmAccount.maxTokensInWindow(),
        TPM, tpmServed, rpmAccount.rateLimited(), tpmAccount.rateLimited());
    assertThat(served).as("every request answered").allSatisfy(s -> assertThat(s.status()).isEqualTo(200));
    assertThat(rpmAccount.requests()).as("requests the rpm account received").isLessThanOrEqualTo(RPM);
    assertThat(rpmAccount.rateLimited()).as("provider 429s (rpm)").isZero();
    assertThat(rpmServed).as("share of the rpm limit used").isGreaterThanOrEqualTo((long) Math.ceil(RPM * 0.9));
    assertThat(tpmAccount.maxTokensInWindow()).as("tokens the tpm account admitted").isLessThanOrEqualTo(TPM);
    assertThat(tpmAccount.rateLimited()).as("provider 429s (tpm)").isZero();
    assertThat(tpmAccount.maxTokensInWindow()).as("share of the tpm limit used").isGreaterThanOrEqualTo((long) (TPM * 0.9));
    assertThat(served.stream().filter(s -> "next-tier".equals(s.deployment())).count()).as("overflow to the next tier")
        .isEqualTo(served.size() - rpmServed - tpmServed);
  }

  private static List<Served> all(List<Future<Served>> burst) {
    return burst.stream().map(f -> await(f)).toList();
  }

  @Test
  void aBurstOverThreeFreshReplicasStaysWithinTheLimits() {
    startReplicas(standalone());
    long t0 = System.nanoTime();
    List<Served> served = all(burst());
    System.out.printf("burst of %d requests took %d ms%n", 2 * BURST, (System.nanoTime() - t0) / 1_000_000);
    assertHeld(served, "burst");
  }

  @Test
  void aBurstOverThreeReplicasOnAThreeMasterRedisClusterStaysWithinTheLimits() {
    cluster = RedisCluster.start(0);
    startReplicas("redis: { type: cluster, endpoints: [" + String.join(", ",
        cluster.endpoints().stream().map(Object::toString).toList()) + "] }\n");
    assertThat(budgets(clients.get(0)).getJsonObject("redis").getString("type")).isEqualTo("cluster");
    assertHeld(all(burst()), "cluster");
  }

  @Test
  void aBurstWhileRedisIsFrozenForFiveSecondsStaysWithinTheLimits() {
    startReplicas(standalone());
    List<Future<Served>> burst = burst();
    redis.freeze();
    Future<Void> thawed = vertx.timer(5_000).map(v -> {
      redis.thaw();
      return null;
    });
    List<Served> served = all(burst);
    await(thawed);
    assertHeld(served, "frozen 5 s");
    Function<TestClient, String> mode = c -> budgets(c).getString("mode");
    assertEventually(() -> clients.forEach(c -> assertThat(mode.apply(c)).isEqualTo("redis")));
  }

  @Test
  void aBurstWhileRedisIsKilledAndRestartedEmptyStaysWithinTheLimits() {
    startReplicas(standalone());
    List<Future<Served>> burst = burst();
    await(vertx.timer(30));
    redis.restart(); // SIGKILL, then a fresh server on the same port: no window, no epoch
    List<Served> served = new ArrayList<>(all(burst));
    assertEventually(() -> clients.forEach(c -> assertThat(budgets(c).getString("mode")).isEqualTo("redis")));
    // The window was restored: a second wave in the same minute finds the accounts as full as before.
    served.addAll(all(burst()));
    assertHeld(served, "killed and restarted empty");
  }

  @Test
  void aRedisRestartedEmptyBetweenTwoBurstsStaysWithinTheLimits() {
    startReplicas(standalone());
    List<Served> served = new ArrayList<>(all(burst()));
    redis.restart(); // SIGKILL, then a fresh server on the same port: no window, no epoch
    served.addAll(all(burst()));
    assertHeld(served, "restarted empty between bursts");
  }

  @Test
  void aReplicaKilledMidBurstLeavesItsReservationsToExpireAndTheLimitsIntact() {
    startReplicas(standalone());
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1 }\nredis: { url: " + redis.url() + " }\n"
        + CONFIG.replace("${EMU}", "http://127.0.0.1:" + emulator.port());
    try (GatewayProcess doomed = GatewayProcess.start(yaml)) {
      TestClient toDoomed = new TestClient(vertx, doomed.port(), BURST);
      clients.add(toDoomed);
      assertEventually(() -> clients.forEach(c -> assertThat(budgets(c).getLong("replicas")).isEqualTo(4)));
      List<Future<Served>> burst = burst();
      await(vertx.timer(20));
      doomed.kill(); // SIGKILL: nothing it reserved is ever settled
      List<Served> survivors = new ArrayList<>();
      for (int i = 0; i < burst.size(); i++) {
        Served s = await(burst.get(i).otherwise(new Served("lost", 0, null)));
        if (i % clients.size() != clients.size() - 1) {
          survivors.add(s);
        }
      }
      ModelStats rpmAccount = emulator.stats("gpt-4");
      ModelStats tpmAccount = emulator.stats("gpt-4-32k");
      System.out.printf("overshoot, replica killed: rpm account received %d (limit %d), tpm account admitted %d (limit %d), "
          + "429s %d / %d%n",
          rpmAccount.requests(), RPM, tpmAccount.maxTokensInWindow(), TPM, rpmAccount.rateLimited(), tpmAccount.rateLimited());
      assertThat(survivors).as("the surviving replicas answered everything").allSatisfy(s -> assertThat(s.status()).isEqualTo(200));
      assertThat(rpmAccount.requests()).isLessThanOrEqualTo(RPM);
      assertThat(tpmAccount.maxTokensInWindow()).isLessThanOrEqualTo(TPM);
      assertThat(rpmAccount.rateLimited() + tpmAccount.rateLimited()).as("provider 429s").isZero();
    }
  }
}
