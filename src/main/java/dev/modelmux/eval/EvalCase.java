package dev.modelmux.eval;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** One hand-checked regression case of a task: the variables it calls the task with and what the answer must be. */
public record EvalCase(String task, String name, JsonObject variables, List<Assertion> assertions, String file) {}
