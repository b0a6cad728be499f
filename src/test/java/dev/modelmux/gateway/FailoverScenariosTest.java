package dev.modelmux.gateway;

import static dev.modelmux.gateway.FailoverScenario.sequence;
import static dev.modelmux.gateway.FailoverScenario.single;
import static dev.modelmux.gateway.ScenarioCheck.aliveAfter;
import static dev.modelmux.gateway.ScenarioCheck.attemptsPrimaryExactly;
import static dev.modelmux.gateway.ScenarioCheck.attemptsPrimaryMax;
import static dev.modelmux.gateway.ScenarioCheck.attemptsPrimaryMin;
import static dev.modelmux.gateway.ScenarioCheck.firstGapMin;
import static dev.modelmux.gateway.ScenarioCheck.maxAttemptsWithin;
import static dev.modelmux.gateway.ScenarioCheck.noPrefillMasking;
import static dev.modelmux.gateway.ScenarioCheck.noTruncatedSuccess;
import static dev.modelmux.gateway.ScenarioCheck.probeDiscipline;
import static dev.modelmux.gateway.ScenarioCheck.recoveredWithin;
import static dev.modelmux.gateway.ScenarioCheck.reportedModelIsFallback;
import static dev.modelmux.gateway.ScenarioCheck.servedDuringOutage;
import static dev.modelmux.gateway.ScenarioCheck.usagePresent;
import static dev.modelmux.gateway.ScenarioCheck.wallMax;
import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.gateway.FailoverScenario.Fallback;
import dev.modelmux.gateway.FailoverScenario.Profile;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * failoverbench's 16 scenarios (catalogue v0.1; S14 also with an OpenAI fallback that refuses prefill), each played
 * through the in-process gateway with a config of deployments, routes and their limits only: no timeouts, no
 * resilience section, no continuation or hedging, so what is tested is the defaults. Every scenario must score a pass
 * on both timing profiles, advisory checks included (issue 27). All scenarios of both profiles run at once, each on
 * its own models, deployments and route, so the class costs about its longest scenario (the full profile's flap).
 */
class FailoverScenariosTest {
  /** An emulated window too small for the prompt, behind a deployment that says 8192: a 400 context_length_exceeded. */
  private static final int TOO_SMALL = 4;
  /** S11's stream ends (cleanly, at the HTTP level) 1 ms after its last event, without [DONE]. */
  private static final long ENDS_AT_ONCE = 1;

  private static final List<FailoverScenario> SCENARIOS = List.of(
      single("S01", "429 with Retry-After", 20_000, p -> Fault.plainStatus(429).delayMs(2_000).times(1),
          attemptsPrimaryMin(2).advisoryCheck(), firstGapMin(1_800).advisoryCheck(), maxAttemptsWithin(1_500, 2)),
      single("S02", "429 without Retry-After, persistent", 40_000, p -> Fault.plainStatus(429),
          maxAttemptsWithin(3_000, 4), attemptsPrimaryMax(6)),
      single("S03", "500 once, then healthy", 20_000, p -> Fault.plainStatus(500).times(1),
          attemptsPrimaryMin(2).advisoryCheck()),
      single("S04", "503 persistent", 40_000, p -> Fault.plainStatus(503),
          attemptsPrimaryMax(6)),
      single("S05", "TCP reset before headers", 20_000, p -> Fault.of(Kind.RESET_BEFORE_HEADERS).times(1)),
      single("S06", "No response at all", 130_000, p -> Fault.of(Kind.NO_RESPONSE).delayMs(p.silentMs),
          wallMax(100_000), attemptsPrimaryMax(1).advisoryCheck()),
      single("S07", "Slow first token", 60_000, p -> Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(20_000),
          wallMax(15_000).advisoryCheck()),
      single("S08", "Stream cut mid-answer", 40_000, p -> Fault.of(Kind.CUT).afterTokens(40),
          noTruncatedSuccess()),
      single("S09", "Stream stalls", 70_000, p -> Fault.of(Kind.STALL).afterTokens(20).delayMs(p.stallMs),
          wallMax(45_000), noTruncatedSuccess(), aliveAfter()),
      single("S10", "Malformed chunk in the stream", 30_000, p -> Fault.of(Kind.MALFORMED_CHUNK).afterTokens(10),
          aliveAfter(), noTruncatedSuccess()),
      single("S11", "Stream ends without [DONE]", 30_000, p -> Fault.of(Kind.MISSING_DONE).delayMs(ENDS_AT_ONCE),
          wallMax(8_000), usagePresent().advisoryCheck()),
      single("S12", "Context length exceeded", 20_000, p -> Fault.NONE,
          attemptsPrimaryExactly(1)).withPrimaryWindow(TOO_SMALL),
      single("S13", "Content-filter rejection", 20_000, p -> Fault.of(Kind.CONTENT_FILTER),
          attemptsPrimaryExactly(1)).expectingError(),
      single("S14", "Fallback target rejects prefill (Anthropic)", 40_000, p -> Fault.of(Kind.CUT).afterTokens(40),
          noPrefillMasking(), noTruncatedSuccess()).withFallback(Fallback.ANTHROPIC_NO_PREFILL),
      single("S14b", "Fallback target rejects prefill (OpenAI)", 40_000, p -> Fault.of(Kind.CUT).afterTokens(40),
          noPrefillMasking(), noTruncatedSuccess()).withFallback(Fallback.OPENAI_NO_PREFILL),
      sequence("S15", "Primary flaps: down, then healthy", p -> Fault.plainStatus(503).forMs(p.flap.downMs()),
          servedDuringOutage(), recoveredWithin(30_000), probeDiscipline().advisoryCheck()),
      single("S16", "Fail-over accounting", 40_000, p -> Fault.plainStatus(503),
          reportedModelIsFallback(), usagePresent().advisoryCheck(), attemptsPrimaryMax(6)));

  private final Vertx vertx = Vertx.vertx();
  private final List<GatewayFixture> fixtures = new ArrayList<>();
  private final List<TestClient> clients = new ArrayList<>();
  private final ExecutorService players = Executors.newFixedThreadPool(SCENARIOS.size() * Profile.values().length);

  @AfterEach
  void stop() {
    players.shutdownNow();
    clients.forEach(client -> await(client.close()));
    fixtures.forEach(fixture -> await(fixture.close()));
    await(vertx.close());
  }

  @TestFactory
  Stream<DynamicTest> everyScenarioPassesWithTheDefaultsOnBothProfiles() {
    List<ScenarioRunner> runners = new ArrayList<>();
    for (Profile profile : Profile.values()) {
      GatewayFixture fixture = await(GatewayFixture.start(vertx, models(), config(), ""));
      TestClient client = TestClient.withoutKeepAlive(vertx, fixture.port(), 4 * SCENARIOS.size());
      fixtures.add(fixture);
      clients.add(client);
      runners.add(new ScenarioRunner(fixture, client, profile));
    }
    runners.forEach(ScenarioRunner::warmUp);
    List<DynamicTest> tests = new ArrayList<>();
    for (ScenarioRunner runner : runners) {
      Profile profile = runner.profile();
      for (FailoverScenario scenario : SCENARIOS) {
        CompletableFuture<ScenarioRun> run = CompletableFuture.supplyAsync(() -> runner.run(scenario), players);
        tests.add(DynamicTest.dynamicTest(profile.name().toLowerCase(Locale.ROOT) + " " + scenario.id() + " " + scenario.title(),
            () -> assertPasses(profile, scenario, run.join())));
      }
    }
    return tests.stream();
  }

  private static void assertPasses(Profile profile, FailoverScenario scenario, ScenarioRun run) {
    List<ScenarioCheck> failed = scenario.checks().stream().filter(check -> check.failure().apply(run) != null).toList();
    String verdict = ScenarioRunner.verdict(scenario, run, failed);
    String report = profile.name().toLowerCase(Locale.ROOT) + " " + scenario.id() + ": " + verdict
        + failed.stream().map(check -> "\n  " + (check.advisory() ? "advisory " : "") + check.id() + ": " + check.failure().apply(run))
            .collect(Collectors.joining())
        + "\n  last call: " + run.call().summary() + "; primary attempts at " + run.primaryArrivalsMs() + " ms; fallback attempts "
        + run.fallbackAttempts();
    System.out.println("failoverbench " + report);
    assertThat(verdict).as(report).isEqualTo("pass");
  }

  private static List<EmulatedModel> models() {
    List<EmulatedModel> models = new ArrayList<>(List.of(new EmulatedModel(ScenarioRunner.ALIVE, 0, 15, 200_000, 0, 0, Fault.NONE)));
    SCENARIOS.forEach(scenario -> models.addAll(scenario.emulatedModels()));
    return models;
  }

  /** Deployments with their limits, and routes: nothing else. */
  private static String config() {
    return "deployments:\n" + FailoverScenario.deployment(ScenarioRunner.ALIVE, "openai", "/v1", FailoverScenario.WINDOW)
        + SCENARIOS.stream().map(FailoverScenario::deploymentsYaml).collect(Collectors.joining())
        + "routes:\n  - name: " + ScenarioRunner.ALIVE + "\n    tiers: [[" + ScenarioRunner.ALIVE + "]]\n"
        + SCENARIOS.stream().map(FailoverScenario::routeYaml).collect(Collectors.joining());
  }
}
