package dev.modelmux.eval;

import dev.modelmux.prompts.Task;
import dev.modelmux.prompts.Variant;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One stored task call sent again with a candidate variant: the old and new output, and the task's hand-checked
 * assertions (those of its cases with the same variables, such as one a reviewer made from it) on both.
 */
public final class Replay {
  /**
   * @param passedBefore assertions the stored answer passes, of {@code assertions}; likewise {@code passedAfter}
   * @param error why the new call failed, or null
   */
  public record Outcome(String requestId, String family, String verdict, String oldOutput, String newOutput, int assertions,
      int passedBefore, int passedAfter, long oldTokens, long newTokens, double oldCost, double newCost, String error) {
    public String diff() {
      return WordDiff.of(oldOutput, newOutput);
    }
  }

  private Replay() {}

  /**
   * @param stored a row of {@code ReplayInputs.select}
   * @param family the family the old answer's deployment belongs to (the new call is pinned to it), or null
   * @param cases the task's cases, whose assertions apply where their variables are the stored ones
   */
  public static Outcome one(EvalRunner runner, Task task, Variant candidate, JsonObject stored, String family, List<EvalCase> cases) {
    JsonObject variables = stored.getJsonObject("variables", new JsonObject());
    List<Assertion> assertions = cases.stream().filter(c -> sameVariables(c.variables(), variables))
        .flatMap(c -> c.assertions().stream()).toList();
    EvalCase replayed = new EvalCase(task.name(), stored.getString("request_id"), variables, assertions, "replay");
    EvalTarget target = new EvalTarget(task, candidate, family, List.of(replayed));
    CaseResult now = runner.runCase(target, replayed);
    Answer before = new Answer(200, stored.getString("output", ""), null, stored.getLong("total_ms", 0L),
        stored.getLong("prompt_tokens", 0L).intValue(), stored.getLong("completion_tokens", 0L).intValue(), stored.getString("deployment"),
        stored.getString("prompt"), null, null);
    int passedBefore = (int) assertions.stream().filter(a -> a.check(before) == null).count();
    boolean answered = now.answer().status() == 200;
    int passedAfter = answered ? (int) assertions.stream().filter(a -> a.check(now.answer()) == null).count() : 0;
    return new Outcome(stored.getString("request_id"), family, stored.getString("verdict"), before.text(), now.answer().text(),
        assertions.size(), passedBefore, passedAfter, before.promptTokens() + before.completionTokens(),
        now.answer().promptTokens() + now.answer().completionTokens(), stored.getDouble("cost_usd", 0.0), now.costUsd(),
        answered ? null : now.failures().get(0));
  }

  /** Case files may write numbers where the log kept strings: variables are compared as text. */
  static boolean sameVariables(JsonObject a, JsonObject b) {
    return Objects.equals(asText(a.getMap()), asText(b.getMap()));
  }

  private static Map<String, String> asText(Map<String, Object> values) {
    Map<String, String> text = new TreeMap<>();
    values.forEach((k, v) -> text.put(k, String.valueOf(v)));
    return text;
  }
}
