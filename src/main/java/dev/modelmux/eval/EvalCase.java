package dev.modelmux.eval;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One hand-checked regression case of a task: the variables it calls the task with and what the answer must be.
 *
 * @param knownFailing why the case is known to fail ({@code known_failing:} in its file), or null: eval still runs it
 *     and reports it, but its result does not fail the run
 */
public record EvalCase(String task, String name, JsonObject variables, List<Assertion> assertions, String file, String knownFailing) {
  public EvalCase(String task, String name, JsonObject variables, List<Assertion> assertions, String file) {
    this(task, name, variables, assertions, file, null);
  }
}
