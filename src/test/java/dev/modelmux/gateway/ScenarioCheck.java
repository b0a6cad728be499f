package dev.modelmux.gateway;

import java.util.List;
import java.util.function.Function;

/**
 * One of failoverbench's machine checks of a run: its catalogue id, whether the catalogue calls it advisory (a
 * failure makes the verdict partial, not fail; the issue asks for a pass, so the test asserts these too), and what
 * failed, or null when the check is clean.
 */
record ScenarioCheck(String id, boolean advisory, Function<ScenarioRun, String> failure) {

  ScenarioCheck advisoryCheck() {
    return new ScenarioCheck(id, true, failure);
  }

  static ScenarioCheck attemptsPrimaryMin(int min) {
    return new ScenarioCheck("attempts_primary_min " + min, false,
        run -> run.primaryAttempts() >= min ? null : run.primaryAttempts() + " primary attempt(s)");
  }

  static ScenarioCheck attemptsPrimaryMax(int max) {
    return new ScenarioCheck("attempts_primary_max " + max, false,
        run -> run.primaryAttempts() <= max ? null : run.primaryAttempts() + " primary attempts");
  }

  static ScenarioCheck attemptsPrimaryExactly(int count) {
    return new ScenarioCheck("attempts_primary_eq " + count, false,
        run -> run.primaryAttempts() == count ? null : run.primaryAttempts() + " primary attempts");
  }

  /** The second primary attempt came at least {@code ms} after the first. */
  static ScenarioCheck firstGapMin(long ms) {
    return new ScenarioCheck("first_gap_min " + ms + " ms", false, run -> {
      List<Long> at = run.primaryArrivalsMs();
      if (at.size() < 2) {
        return "no second primary attempt";
      }
      return at.get(1) - at.get(0) >= ms ? null : "gap " + (at.get(1) - at.get(0)) + " ms";
    });
  }

  /** At most {@code max} primary attempts within {@code windowMs} of the first. */
  static ScenarioCheck maxAttemptsWithin(long windowMs, int max) {
    return new ScenarioCheck("max_attempts_within " + windowMs + " ms: " + max, false, run -> {
      List<Long> at = run.primaryArrivalsMs();
      long within = at.stream().filter(t -> t - at.get(0) < windowMs).count();
      return within <= max ? null : within + " attempts in the first " + windowMs + " ms";
    });
  }

  static ScenarioCheck wallMax(long ms) {
    return new ScenarioCheck("wall_max " + ms + " ms", false,
        run -> run.call().outcome() != ScenarioCall.Outcome.HANG && run.call().elapsedMs() <= ms ? null
            : run.call().summary());
  }

  static ScenarioCheck noTruncatedSuccess() {
    return new ScenarioCheck("no_truncated_success", false, run -> run.calls().stream()
        .filter(call -> call.succeeded() && !run.complete(call)).map(ScenarioCall::summary).findFirst().orElse(null));
  }

  static ScenarioCheck aliveAfter() {
    return new ScenarioCheck("alive_after", false, run -> run.aliveAfter() ? null : "a healthy call failed afterwards");
  }

  static ScenarioCheck reportedModelIsFallback() {
    return new ScenarioCheck("reported_model_is_fallback", false, run -> run.fallbackAttempts() == 0
        || run.fallbackModel().equals(run.call().reportedModel()) ? null : "model " + run.call().reportedModel());
  }

  static ScenarioCheck usagePresent() {
    return new ScenarioCheck("usage_present", false,
        run -> run.call().usage() != null && !run.call().usage().isEmpty() ? null : "no usage");
  }

  /** The final result is not an error while the fallback refused a prefill (the refusal masked the real failure). */
  static ScenarioCheck noPrefillMasking() {
    return new ScenarioCheck("no_prefill_masking", false, run -> run.call().succeeded() || run.prefillRejections() == 0 ? null
        : run.prefillRejections() + " prefill rejection(s), then " + run.call().summary());
  }

  static ScenarioCheck servedDuringOutage() {
    return new ScenarioCheck("seq_served_during_outage", false, run -> {
      List<ScenarioCall> during = run.callsDuringOutage();
      long served = during.stream().filter(ScenarioCall::succeeded).count();
      return !during.isEmpty() && served == during.size() ? null : served + "/" + during.size() + " answered during the outage";
    });
  }

  /** The primary got an attempt again within {@code ms} of recovering. */
  static ScenarioCheck recoveredWithin(long ms) {
    return new ScenarioCheck("seq_recovered_within " + ms + " ms", false, run -> {
      Long back = run.primaryArrivalsMs().stream().filter(t -> t >= run.downMs()).findFirst().orElse(null);
      if (back == null) {
        return "the primary was never tried again after it recovered (at " + run.downMs() + " ms)";
      }
      return back - run.downMs() <= ms ? null : "the primary was tried again " + (back - run.downMs()) + " ms after it recovered";
    });
  }

  /** No more primary attempts during the outage than requests sent during it (a breaker, not a retry per request). */
  static ScenarioCheck probeDiscipline() {
    return new ScenarioCheck("seq_probe_discipline", false, run -> {
      long attempts = run.primaryArrivalsMs().stream().filter(t -> t < run.downMs()).count();
      int requests = run.callsDuringOutage().size();
      return attempts <= requests ? null : attempts + " primary attempts for " + requests + " requests during the outage";
    });
  }
}
