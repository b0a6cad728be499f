package dev.modelmux.gateway;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * One failoverbench scenario in modelmux terms: the fault its primary plays (per timing profile), the fallback behind
 * it, what a rescue is (the complete answer, or for S13 a clean error), how long a call may take before it counts as a
 * hang, and the catalogue's checks. Each scenario has its own emulated models, deployments and route
 * {@code [[primary], [fallback]]}, so that all of them run at once in one gateway.
 *
 * @param primaryWindow the primary's emulated context window (its deployment always says 8192)
 * @param sequence the sequence of requests of a flap scenario, null for a single call
 */
record FailoverScenario(String id, String title, Function<Profile, Fault> fault, Fallback fallback, int primaryWindow,
    boolean idealError, long maxWallMs, Function<Profile, Sequence> sequence, List<ScenarioCheck> checks) {

  static final int WINDOW = 8192;

  /** The timings that differ between failoverbench's profiles (the others are the same in both). */
  enum Profile {
    FAST(15_000, 4_000, new Sequence(10, 1_200, 10_000, 6_000)),
    FULL(120_000, 30_000, new Sequence(20, 4_000, 30_000, 60_000));

    final long silentMs;
    final long stallMs;
    final Sequence flap;

    Profile(long silentMs, long stallMs, Sequence flap) {
      this.silentMs = silentMs;
      this.stallMs = stallMs;
      this.flap = flap;
    }
  }

  /** {@code count} requests {@code intervalMs} apart (or at once after a late one), the primary down for {@code downMs}. */
  record Sequence(int count, long intervalMs, long perRequestMaxMs, long downMs) {}

  enum Fallback {
    /** A healthy OpenAI deployment. */
    OPENAI,
    /** An Anthropic deployment whose model refuses an assistant prefill with a 400. */
    ANTHROPIC_NO_PREFILL,
    /** An OpenAI deployment whose model refuses an assistant prefill with a 400. */
    OPENAI_NO_PREFILL
  }

  static FailoverScenario single(String id, String title, long maxWallMs, Function<Profile, Fault> fault, ScenarioCheck... checks) {
    return new FailoverScenario(id, title, fault, Fallback.OPENAI, WINDOW, false, maxWallMs, null, List.of(checks));
  }

  static FailoverScenario sequence(String id, String title, Function<Profile, Fault> fault, ScenarioCheck... checks) {
    return new FailoverScenario(id, title, fault, Fallback.OPENAI, WINDOW, false, 0, profile -> profile.flap, List.of(checks));
  }

  FailoverScenario withFallback(Fallback other) {
    return new FailoverScenario(id, title, fault, other, primaryWindow, idealError, maxWallMs, sequence, checks);
  }

  FailoverScenario withPrimaryWindow(int window) {
    return new FailoverScenario(id, title, fault, fallback, window, idealError, maxWallMs, sequence, checks);
  }

  /** The ideal outcome is a clean error, not an answer (S13). */
  FailoverScenario expectingError() {
    return new FailoverScenario(id, title, fault, fallback, primaryWindow, true, maxWallMs, sequence, checks);
  }

  String route() {
    return id.toLowerCase(Locale.ROOT);
  }

  String primary() {
    return route() + "-primary";
  }

  String fallbackModel() {
    return route() + "-fallback";
  }

  /** Tokens 15 ms apart from the first, as the benchmark's provider streams them; the fault is set when the run starts. */
  List<EmulatedModel> emulatedModels() {
    Fault fallbackFault = fallback == Fallback.OPENAI ? Fault.NONE : Fault.of(Fault.Kind.REJECT_PREFILL);
    return List.of(
        new EmulatedModel(primary(), 0, 15, primaryWindow, 0, 0, Fault.NONE),
        new EmulatedModel(fallbackModel(), 0, 15, 200_000, 0, 0, fallbackFault));
  }

  /** Its two deployments and its route, with nothing but what every deployment must say: no timeouts, no resilience. */
  String deploymentsYaml() {
    return deployment(primary(), "openai", "/v1", WINDOW)
        + (fallback == Fallback.ANTHROPIC_NO_PREFILL ? deployment(fallbackModel(), "anthropic", "", 100_000)
            : deployment(fallbackModel(), "openai", "/v1", WINDOW));
  }

  String routeYaml() {
    return "  - name: " + route() + "\n    tiers: [[" + primary() + "], [" + fallbackModel() + "]]\n";
  }

  static String deployment(String model, String provider, String path, int window) {
    return """
          - id: %s
            provider: %s
            base_url: ${EMU}%s
            api_key_env: KEY_A
            model: %s
            context_window: %d
            limits: { tpm: 10000000, rpm: 100000 }
        """.formatted(model, provider, path, model, window);
  }
}
