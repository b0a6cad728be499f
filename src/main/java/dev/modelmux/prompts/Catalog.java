package dev.modelmux.prompts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One loaded state of the prompt repository: its tasks by name, and the files that were refused. */
public record Catalog(Map<String, Task> tasks, List<LoadError> errors) {
  public static final Catalog EMPTY = new Catalog(Map.of(), List.of());

  /** Tasks, variants, versions and load errors, for GET /admin/prompts. */
  public JsonObject describe() {
    JsonArray taskList = new JsonArray();
    tasks.values().forEach(task -> {
      JsonArray variants = new JsonArray();
      task.variants().forEach(v -> variants.add(new JsonObject()
          .put("name", v.name())
          .put("match", new JsonArray(v.match()))
          .put("version", v.version())
          .put("label", v.label())
          .put("post", new JsonArray(v.post().names()))
          .put("file", v.file())));
      JsonArray variables = new JsonArray();
      task.variables().forEach(var -> variables.add(new JsonObject().put("name", var.name()).put("required", var.required())));
      taskList.add(new JsonObject()
          .put("name", task.name())
          .put("route", task.route())
          .put("description", task.description())
          .put("guard", task.guard().name().toLowerCase(Locale.ROOT))
          .put("variables", variables)
          .put("variants", variants));
    });
    JsonArray errorList = new JsonArray();
    errors.forEach(e -> errorList.add(new JsonObject().put("file", e.file()).put("error", e.message())));
    return new JsonObject().put("tasks", taskList).put("errors", errorList);
  }
}
