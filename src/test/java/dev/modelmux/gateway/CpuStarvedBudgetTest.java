package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.ModelStats;
import dev.modelmux.testing.CpuQuota;
import dev.modelmux.testing.GatewayProcess;
import dev.modelmux.testing.RedisServer;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 23: budgets under real CPU starvation. Three replicas, each a JVM of its own, started and warmed up normally,
 * then moved into a cgroup of its own allowed 10 ms of CPU per 100 ms (as a pod with a CPU limit runs), share one real
 * redis-server and one emulator (both in full CPU). 300 requests at once against a route whose first deployment has
 * {@code rpm: 40}, 200 against one whose first has {@code tpm: 6000}, half streamed, {@code max_tokens: 100}. The
 * emulated accounts enforce their limits exactly, so the provider must see at most the limit (tokens as the emulator
 * counts them: prompt plus requested output) and never answer 429; at least 90 % of each limit is used, the rest goes to
 * the next tier, everything is answered 200. The same with Redis frozen 5 s, with Redis killed and restarted empty
 * (and a second wave in the same minute), and with a fourth replica SIGKILLed mid-burst. Skipped where no writable
 * cgroup CPU controller exists.
 */
class CpuStarvedBudgetTest {
  private static final int RPM_BURST = 300;
  private static final int TPM_BURST = 200;
  private static final int RPM = 40;
  private static final int TPM = 6000;
  private static final int MAX_TOKENS = 100;
  /** CPU time each replica may use per 100 ms period; {@code -Dmodelmux.test.cpuQuotaUs=25000} tries another. */
  private static final long QUOTA_US = Long.getLong("modelmux.test.cpuQuotaUs", 10_000);
  /** A replica at 10 % of a CPU answers slowly; only a request that is never answered breaks this. */
  private static final long ANSWER_BOUND_S = 150;
  /** Answers in before Redis is frozen, killed or a replica dies: the replicas are mid-burst, holding budget. */
  private static final int MID_BURST = 20;
  private static final int WARM_UP = 200;

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
          limits: { tpm: 6000, rpm: 100000 }
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
        - name: warm-up
          tiers: [[next-tier]]
      """;

  private final Vertx vertx = Vertx.vertx();
  private final List<GatewayProcess> replicas = new ArrayList<>();
  private final List<CpuQuota> quotas = new ArrayList<>();
  private final List<TestClient> clients = new ArrayList<>();
  private RedisServer redis;
  private Emulator emulator;

  @BeforeEach
  void start() {
    Assumptions.assumeTrue(CpuQuota.available(), () -> "no writable cgroup CPU controller: "
        + CpuQuota.unavailableReason().orElse(""));
    redis = RedisServer.start();
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, MODELS)));
  }

  @AfterEach
  void stop() {
    clients.forEach(c -> await(c.close().otherwiseEmpty()));
    quotas.forEach(CpuQuota::close); // moves each replica back to full CPU first, so it dies promptly
    replicas.forEach(GatewayProcess::close);
    if (emulator != null) {
      await(emulator.close());
    }
    await(vertx.close());
    if (redis != null) {
      redis.stop();
    }
  }

  /**
   * Starts {@code count} replicas at full CPU (the JVMs start in parallel), waits until each is ready and
   * knows {@code count} replicas share the budget, warms them up, then confines each to its own cgroup quota.
   */
  private void startStarvedReplicas(int count) {
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1 }\nredis: { url: " + redis.url() + " }\n"
        + CONFIG.replace("${EMU}", "http://127.0.0.1:" + emulator.port());
    List<CompletableFuture<GatewayProcess>> starting = IntStream.range(0, count)
        .mapToObj(i -> CompletableFuture.supplyAsync(() -> GatewayProcess.start(yaml))).toList();
    CompletableFuture.allOf(starting.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
    starting.stream().filter(s -> !s.isCompletedExceptionally()).forEach(s -> replicas.add(s.join())); // stop() ends them
    starting.forEach(CompletableFuture::join); // the first start that failed, if any
    replicas.forEach(r -> clients.add(new TestClient(vertx, r.port(), RPM_BURST)));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_BOUND_S); // JVMs just started on busy cores
    while (!clients.stream().allMatch(c -> budgets(c).getLong("replicas", 0L) == count)) {
      assertThat(System.nanoTime()).as("every replica sees %d replicas within %d s", count, ANSWER_BOUND_S).isLessThan(deadline);
      await(vertx.timer(100));
    }
    warmUp();
    replicas.forEach(r -> quotas.add(CpuQuota.confine(r.pid(), QUOTA_US)));
  }

  /**
   * A replica that has served before, as a pod under a CPU limit has: each serves {@link #WARM_UP} requests (half
   * streamed) at full CPU on a route the limited accounts are not on, so the burst is not also the JIT's first work.
   */
  private void warmUp() {
    List<Future<Served>> warm = new ArrayList<>();
    for (int i = 0; i < WARM_UP * clients.size(); i++) {
      warm.add(send(clients.get(i % clients.size()), i % clients.size(), "warm-up", i));
    }
    assertThat(all(warm)).as("warm-up answers").allSatisfy(s -> assertThat(s.status()).as(String.valueOf(s.failure())).isEqualTo(200));
  }

  private static JsonObject budgets(TestClient c) {
    return await(c.get("/health/ready"), ANSWER_BOUND_S).json().getJsonObject("checks").getJsonObject("budgets");
  }

  private record Served(String route, int replica, int status, String deployment, String failure) {}

  /** 300 requests on the rpm route and 200 on the tpm route, all at once, spread over the replicas, every other streamed. */
  private List<Future<Served>> burst() {
    List<Future<Served>> all = new ArrayList<>();
    for (String route : List.of("rpm-route", "tpm-route")) {
      int n = route.equals("rpm-route") ? RPM_BURST : TPM_BURST;
      for (int i = 0; i < n; i++) {
        int replica = i % clients.size();
        all.add(send(clients.get(replica), replica, route, i));
      }
    }
    return all;
  }

  /** Request {@code i} on {@code route}: every other one streamed; never fails, a failure is a {@link Served} too. */
  private static Future<Served> send(TestClient c, int replica, String route, int i) {
    JsonObject body = new JsonObject().put("model", route).put("max_tokens", MAX_TOKENS)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 200 #" + i)));
    Future<Served> served = i % 2 == 0
        ? c.postJson("/v1/chat/completions", body).map(r -> new Served(route, replica, r.status(),
            r.headers().get("x-modelmux-deployment"), r.status() == 200 ? null : r.body().toString()))
        : c.stream(body.copy().put("stream", true)).map(r -> {
          boolean ok = r.ended() && r.status() == 200 && !r.raw().toString().contains("\"error\"");
          return new Served(route, replica, ok ? 200 : 599, r.headers().get("x-modelmux-deployment"),
              ok ? null : "status " + r.status() + ", ended " + r.ended() + ": " + r.raw());
        });
    return served.otherwise(e -> new Served(route, replica, 0, null, e.toString()));
  }

  /** Completes once {@code n} answers of {@code burst} are in. */
  private static Future<Void> answersIn(List<Future<Served>> burst, int n) {
    Promise<Void> reached = Promise.promise();
    AtomicInteger answered = new AtomicInteger();
    burst.forEach(f -> f.onComplete(ar -> {
      if (answered.incrementAndGet() >= n) {
        reached.tryComplete();
      }
    }));
    return reached.future();
  }

  private static List<Served> all(List<Future<Served>> burst) {
    await(Future.join(burst), ANSWER_BOUND_S);
    return burst.stream().map(Future::result).toList();
  }

  private static List<Served> notAnswered(List<Served> served) {
    return served.stream().filter(s -> s.status() != 200).toList();
  }

  private static long count(List<Served> served, String deployment) {
    return served.stream().filter(s -> deployment.equals(s.deployment())).count();
  }

  /** Prints what the accounts saw (and how starved the replicas were), then asserts the limits held. */
  private void assertHeld(List<Served> served, String scenario, long startedNanos) {
    assertHeld(served, scenario, startedNanos, soft -> {});
  }

  /** As above, with {@code alsoCheck} asserted alongside. */
  private void assertHeld(List<Served> served, String scenario, long startedNanos, Consumer<SoftAssertions> alsoCheck) {
    ModelStats rpmAccount = emulator.stats("gpt-4");
    ModelStats tpmAccount = emulator.stats("gpt-4-32k");
    report(scenario, served, startedNanos, "");
    SoftAssertions.assertSoftly(soft -> {
      soft.assertThat(rpmAccount.requests()).as("requests the rpm account received").isLessThanOrEqualTo(RPM);
      soft.assertThat(rpmAccount.rateLimited()).as("provider 429s (rpm)").isZero();
      soft.assertThat(count(served, "small-rpm")).as("share of the rpm limit used").isGreaterThanOrEqualTo((long) Math.ceil(RPM * 0.9));
      soft.assertThat(tpmAccount.maxTokensInWindow()).as("tokens the tpm account admitted").isLessThanOrEqualTo(TPM);
      soft.assertThat(tpmAccount.rateLimited()).as("provider 429s (tpm)").isZero();
      soft.assertThat(tpmAccount.maxTokensInWindow()).as("share of the tpm limit used").isGreaterThanOrEqualTo((long) (TPM * 0.9));
      soft.assertThat(count(served, "next-tier")).as("overflow to the next tier")
          .isEqualTo(served.size() - count(served, "small-rpm") - count(served, "small-tpm"));
      soft.assertThat(notAnswered(served)).as("requests not answered 200").isEmpty();
      alsoCheck.accept(soft);
    });
  }

  /**
   * One line of what was measured. The emulator refuses past the exact limit, so the tokens an overshoot sent show as
   * refused requests; they are priced at the admitted requests' mean cost.
   */
  private void report(String scenario, List<Served> served, long startedNanos, String extra) {
    ModelStats rpmAccount = emulator.stats("gpt-4");
    ModelStats tpmAccount = emulator.stats("gpt-4-32k");
    long meanCost = tpmAccount.ok() == 0 ? 0 : tpmAccount.maxTokensInWindow() / tpmAccount.ok();
    long unavailable = replicas.stream().filter(r -> r.output().contains("is unavailable")).count();
    replicas.forEach(r -> r.output().lines().filter(l -> l.contains("is unavailable")).limit(1)
        .forEach(l -> System.out.println("replica said: " + l)));
    long throttled = quotas.stream().mapToLong(CpuQuota::throttledPeriods).sum();
    System.out.printf("overshoot, %s: rpm account received %d requests (limit %d), served %d; tpm account admitted %d "
            + "tokens (limit %d) and refused %d more requests (~%d tokens), served %d; provider 429s %d / %d; "
            + "next tier %d; not 200: %d; %d of %d replicas logged Redis unavailable; quota %d us per 100 ms, %d throttled periods; "
            + "%d ms%s%n",
        scenario, rpmAccount.requests(), RPM, count(served, "small-rpm"), tpmAccount.maxTokensInWindow(), TPM,
        tpmAccount.rateLimited(), tpmAccount.rateLimited() * meanCost, count(served, "small-tpm"), rpmAccount.rateLimited(),
        tpmAccount.rateLimited(), count(served, "next-tier"), served.stream().filter(s -> s.status() != 200).count(),
        unavailable, replicas.size(), QUOTA_US, throttled, (System.nanoTime() - startedNanos) / 1_000_000, extra);
  }

  @Test
  void aBurstOverThreeCpuStarvedReplicasStaysWithinTheLimits() {
    startStarvedReplicas(3);
    long t0 = System.nanoTime();
    assertHeld(all(burst()), "cpu-starved burst", t0);
  }

  @Test
  void aBurstOverCpuStarvedReplicasWhileRedisIsFrozenForFiveSecondsStaysWithinTheLimits() {
    startStarvedReplicas(3);
    long t0 = System.nanoTime();
    List<Future<Served>> burst = burst();
    await(answersIn(burst, MID_BURST), ANSWER_BOUND_S);
    redis.freeze();
    try {
      await(vertx.timer(5_000));
    } finally {
      redis.thaw();
    }
    assertHeld(all(burst), "cpu-starved, Redis frozen 5 s", t0);
  }

  @Test
  void aBurstOverCpuStarvedReplicasWhileRedisIsKilledAndRestartedEmptyStaysWithinTheLimits() {
    startStarvedReplicas(3);
    long t0 = System.nanoTime();
    List<Future<Served>> first = burst();
    await(answersIn(first, MID_BURST), ANSWER_BOUND_S);
    redis.restart(); // SIGKILL, then a fresh server on the same port: no window, no epoch
    List<Served> served = new ArrayList<>(all(first));
    long secondWaveAtMs = (System.nanoTime() - t0) / 1_000_000;
    served.addAll(all(burst()));
    long bothWavesNs = System.nanoTime() - t0;
    // The accounts' windows are 60 s: what is sent after that is entitled to a fresh limit, and would be miscounted here.
    assertHeld(served, "cpu-starved, Redis killed and restarted empty, second wave at " + secondWaveAtMs + " ms", t0,
        soft -> soft.assertThat(bothWavesNs).as("harness: both waves answered within the minute of the first (ns)")
            .isLessThan(TimeUnit.SECONDS.toNanos(60)));
  }

  @Test
  void aCpuStarvedReplicaKilledMidBurstLosesOnlyWhatItHeldAndTheLimitsHold() {
    startStarvedReplicas(4);
    int doomed = 3;
    long t0 = System.nanoTime();
    List<Future<Served>> burst = burst();
    await(answersIn(burst, MID_BURST), ANSWER_BOUND_S);
    replicas.get(doomed).kill(); // SIGKILL: nothing it reserved is ever settled
    List<Served> survivors = all(burst).stream().filter(s -> s.replica() != doomed).toList();
    ModelStats rpmAccount = emulator.stats("gpt-4");
    ModelStats tpmAccount = emulator.stats("gpt-4-32k");
    // What the accounts had left unused while the survivors overflowed to the next tier: the dead replica's holdings.
    long rpmLost = Math.max(0, RPM - rpmAccount.requests());
    long tpmLost = Math.max(0, TPM - tpmAccount.maxTokensInWindow());
    report("cpu-starved, replica SIGKILLed mid-burst", survivors, t0,
        String.format("; left unused by the dead replica's holdings: %d requests, %d tokens", rpmLost, tpmLost));
    SoftAssertions.assertSoftly(soft -> {
      soft.assertThat(rpmAccount.requests()).as("requests the rpm account received").isLessThanOrEqualTo(RPM);
      soft.assertThat(tpmAccount.maxTokensInWindow()).as("tokens the tpm account admitted").isLessThanOrEqualTo(TPM);
      soft.assertThat(rpmAccount.rateLimited()).as("provider 429s (rpm)").isZero();
      soft.assertThat(tpmAccount.rateLimited()).as("provider 429s (tpm)").isZero();
      soft.assertThat(notAnswered(survivors)).as("requests the surviving replicas did not answer 200").isEmpty();
    });
  }
}
