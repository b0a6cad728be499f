package dev.modelmux.eval;

import java.util.List;

/**
 * One case run against one variant on one model family.
 *
 * @param variant the variant's name; {@code label} is task/variant@version
 * @param failures why it failed, one line per failed assertion (or the gateway's error); empty when it passed
 */
public record CaseResult(String task, String variant, String label, String family, String caseName, List<String> failures,
    Answer answer, double costUsd) {
  public boolean passed() {
    return failures.isEmpty();
  }
}
