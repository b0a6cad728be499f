package dev.modelmux.api;

import dev.modelmux.prompts.TaskCall;
import io.vertx.core.json.JsonObject;

/** What the validators need to know of task calls ({@code "model": "task:<name>"}). */
public final class TaskCalls {
  private TaskCalls() {}

  public static boolean isTask(JsonObject body) {
    return body.getValue("model") instanceof String model && TaskCall.isTask(model);
  }
}
