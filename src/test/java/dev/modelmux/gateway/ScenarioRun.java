package dev.modelmux.gateway;

import java.util.List;
import java.util.stream.IntStream;

/**
 * What one scenario's run saw, from both ends: the calls as the client read them and the attempts the emulator got.
 * Times are milliseconds from the run's start (the moment its fault was set).
 *
 * @param sentAtMs when each call was sent
 * @param primaryArrivalsMs when each attempt reached the primary
 * @param prefillRejections the fallback's refusals of an assistant prefill
 * @param aliveAfter whether a healthy call through the same gateway succeeded afterwards
 * @param downMs how long the primary was down (a flap), 0 otherwise
 */
record ScenarioRun(String canonical, String fallbackModel, List<ScenarioCall> calls, List<Long> sentAtMs, List<Long> primaryArrivalsMs,
    long fallbackAttempts, long prefillRejections, boolean aliveAfter, long downMs) {

  /** The single call of a one-call scenario, or the last of a sequence. */
  ScenarioCall call() {
    return calls.get(calls.size() - 1);
  }

  boolean complete(ScenarioCall call) {
    return call.succeeded() && call.says(canonical);
  }

  long primaryAttempts() {
    return primaryArrivalsMs.size();
  }

  /** The calls sent while the primary was down. */
  List<ScenarioCall> callsDuringOutage() {
    return IntStream.range(0, calls.size()).filter(i -> sentAtMs.get(i) < downMs).mapToObj(calls::get).toList();
  }
}
