package dev.modelmux.eval;

import java.util.List;

/**
 * One case run against one variant on one model family.
 *
 * @param variant the variant's name; {@code label} is task/variant@version
 * @param failures why it failed, one line per failed assertion (or the gateway's error); empty when it passed
 * @param knownFailing the case's {@code known_failing} reason, or null; such a case's result never fails the run
 */
public record CaseResult(String task, String variant, String label, String family, String caseName, List<String> failures,
    Answer answer, double costUsd, String knownFailing) {
  public CaseResult(String task, String variant, String label, String family, String caseName, List<String> failures, Answer answer,
      double costUsd) {
    this(task, variant, label, family, caseName, failures, answer, costUsd, null);
  }

  public boolean passed() {
    return failures.isEmpty();
  }

  public boolean isKnownFailing() {
    return knownFailing != null;
  }

  /** Whether this result fails the run: it failed, and nobody has marked its case known-failing. */
  public boolean failsTheRun() {
    return !passed() && !isKnownFailing();
  }
}
