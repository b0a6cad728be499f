package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;

import dev.modelmux.emulator.AnswerText;
import dev.modelmux.emulator.ModelStats;
import dev.modelmux.gateway.FailoverScenario.Profile;
import dev.modelmux.gateway.FailoverScenario.Sequence;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Plays scenarios through one gateway at one timing profile, as failoverbench's runner does: set the primary's fault,
 * make the call (or the sequence of calls), read the attempts the emulator saw, then make a healthy call through the
 * same gateway; and scores the run the benchmark's way.
 */
final class ScenarioRunner {
  /** The prompt: its canonical answer is the emulator's 60 words for it, 15 ms apart. */
  static final JsonArray MESSAGES = new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 60"));
  static final String CANONICAL = AnswerText.of(MESSAGES);
  /** The healthy route a gateway is probed through after a scenario. */
  static final String ALIVE = "alive";

  private final GatewayFixture fixture;
  private final TestClient client;
  private final Profile profile;

  ScenarioRunner(GatewayFixture fixture, TestClient client, Profile profile) {
    this.fixture = fixture;
    this.client = client;
    this.profile = profile;
  }

  Profile profile() {
    return profile;
  }

  ScenarioRun run(FailoverScenario scenario) {
    Sequence sequence = scenario.sequence() == null ? null : scenario.sequence().apply(profile);
    List<ScenarioCall> calls = new ArrayList<>();
    List<Long> sentAtMs = new ArrayList<>();
    long start = System.nanoTime();
    fixture.emulator.setFault(scenario.primary(), scenario.fault().apply(profile));
    int count = sequence == null ? 1 : sequence.count();
    for (int i = 0; i < count; i++) {
      if (sequence != null) {
        pauseUntil(start + TimeUnit.MILLISECONDS.toNanos(i * sequence.intervalMs()));
      }
      sentAtMs.add(msBetween(start, System.nanoTime()));
      calls.add(ScenarioCall.stream(client, scenario.route(), MESSAGES,
          sequence == null ? scenario.maxWallMs() : sequence.perRequestMaxMs()));
    }
    List<Long> primaryArrivals = fixture.emulator.arrivals(scenario.primary()).stream().map(at -> msBetween(start, at)).toList();
    ModelStats fallback = fixture.emulator.stats(scenario.fallbackModel());
    return new ScenarioRun(CANONICAL, scenario.fallbackModel(), calls, sentAtMs, primaryArrivals, fallback.requests(),
        fallback.faults(), alive(), sequence == null ? 0 : sequence.downMs());
  }

  /**
   * A few answers through the healthy route first, at once: the benchmark's gateway has served before its scenarios
   * start, and the first requests of a cold JVM (code not yet compiled, connections not yet open) are slower than any
   * provider fault. The scenarios' own deployments stay untouched.
   */
  void warmUp() {
    JsonObject body = new JsonObject().put("model", ALIVE).put("messages", MESSAGES).put("stream", true);
    for (int round = 0; round < 3; round++) {
      List<Future<TestClient.StreamReply>> answers = IntStream.range(0, 8).mapToObj(i -> client.stream(body)).toList();
      await(Future.all(answers));
    }
  }

  /** The benchmark's verdict: pass, partial (an advisory check failed), safe (a clean error, not rescued) or fail. */
  static String verdict(FailoverScenario scenario, ScenarioRun run, List<ScenarioCheck> failed) {
    if (run.calls().stream().anyMatch(call -> call.outcome() == ScenarioCall.Outcome.HANG)) {
      return "fail (hang)";
    }
    if (!scenario.idealError() && run.calls().stream().anyMatch(call -> call.succeeded() && !run.complete(call))) {
      return "fail (a truncated answer presented as success)";
    }
    if (failed.stream().anyMatch(check -> !check.advisory())) {
      return "fail";
    }
    if (scenario.idealError() && run.call().succeeded()) {
      return "partial (answered by routing around the rejection)";
    }
    boolean rescued = scenario.idealError()
        ? run.call().status() == 400
        : run.calls().stream().allMatch(run::complete);
    if (!rescued) {
      return "safe (not rescued)";
    }
    return failed.isEmpty() ? "pass" : "partial";
  }

  private boolean alive() {
    try {
      TestClient.Reply reply = client.postJson("/v1/chat/completions", new JsonObject().put("model", ALIVE).put("messages", MESSAGES))
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      return reply.status() == 200
          && CANONICAL.equals(reply.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"));
    } catch (Exception e) {
      return false;
    }
  }

  /** Paces a sequence: the next request goes at its time, or at once when the previous one ended late. */
  private static void pauseUntil(long nanos) {
    long wait = nanos - System.nanoTime();
    if (wait > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static long msBetween(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }
}
