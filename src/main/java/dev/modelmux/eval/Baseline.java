package dev.modelmux.eval;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A run compared with an earlier one (its {@code eval.json}): a variant whose pass rate dropped, or a case that passed
 * and now fails, is a regression; a deployment that now answers with another model or system fingerprint is a model
 * change, which is exactly when the suites should be looked at again. Variants are matched by name, so an edited
 * variant (a new version) is compared with its previous version. Cases marked {@code known_failing} (then or now) count in
 * neither.
 */
public final class Baseline {
  public record Comparison(List<String> regressions, List<String> modelChanges) {
    public boolean regressed() {
      return !regressions.isEmpty();
    }
  }

  private Baseline() {}

  public static Comparison compare(JsonObject baseline, EvalReport current) {
    List<String> regressions = new ArrayList<>();
    Map<String, Boolean> passedBefore = new HashMap<>();
    Map<String, int[]> rateBefore = new HashMap<>();
    baseline.getJsonArray("cases", new JsonArray()).forEach(o -> {
      JsonObject c = (JsonObject) o;
      if (c.getString("known_failing") != null) {
        return;
      }
      String group = EvalReport.groupKey(c.getString("task"), c.getString("variant"), c.getString("family"));
      passedBefore.put(group + " / " + c.getString("case"), c.getBoolean("passed", false));
      int[] rate = rateBefore.computeIfAbsent(group, k -> new int[2]);
      rate[0] += c.getBoolean("passed", false) ? 1 : 0;
      rate[1]++;
    });
    current.groups().forEach((group, all) -> {
      List<CaseResult> results = all.stream().filter(r -> !r.isKnownFailing()).toList();
      int passed = (int) results.stream().filter(CaseResult::passed).count();
      int[] before = rateBefore.get(group);
      if (before != null && (long) passed * before[1] < (long) before[0] * results.size()) {
        regressions.add(group + ": pass rate " + before[0] + "/" + before[1] + " -> " + passed + "/" + results.size());
      }
      for (CaseResult r : results) {
        if (!r.passed() && Boolean.TRUE.equals(passedBefore.get(group + " / " + r.caseName()))) {
          regressions.add(group + " [" + r.caseName() + "]: passed before, fails now: " + r.failures().get(0));
        }
      }
    });
    List<String> modelChanges = new ArrayList<>();
    JsonObject before = baseline.getJsonObject("models", new JsonObject());
    current.json().getJsonObject("models").forEach(entry -> {
      JsonObject was = before.getJsonObject(entry.getKey());
      JsonObject now = (JsonObject) entry.getValue();
      if (was != null && (!Objects.equals(was.getString("model"), now.getString("model"))
          || !Objects.equals(was.getString("system_fingerprint"), now.getString("system_fingerprint")))) {
        modelChanges.add(entry.getKey() + ": " + was.getString("model") + " (" + was.getString("system_fingerprint") + ") -> "
            + now.getString("model") + " (" + now.getString("system_fingerprint") + ")");
      }
    });
    return new Comparison(List.copyOf(regressions), List.copyOf(modelChanges));
  }
}
