package dev.modelmux.prompts;

import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/** A task call's {@code variables} checked against the task's declarations: every error names the variable. */
final class Variables {
  private Variables() {}

  static Map<String, String> check(Task task, Object given) {
    if (given != null && !(given instanceof JsonObject)) {
      throw invalid("'variables' must be an object of the task's variables", "variables");
    }
    JsonObject values = given == null ? new JsonObject() : (JsonObject) given;
    for (String name : values.fieldNames()) {
      if (task.variables().stream().noneMatch(v -> v.name().equals(name))) {
        throw invalid("Unknown variable '" + name + "' (variables." + name + ") for task '" + task.name() + "'; it takes: "
            + String.join(", ", task.variables().stream().map(VariableSpec::name).toList()) + ".", "variables." + name);
      }
    }
    Map<String, String> checked = new LinkedHashMap<>();
    for (VariableSpec spec : task.variables()) {
      Object value = values.getValue(spec.name());
      if (value == null) {
        if (spec.required()) {
          throw invalid("Missing required variable '" + spec.name() + "' (variables." + spec.name() + ") for task '" + task.name() + "'.", "variables." + spec.name());
        }
        continue;
      }
      if (!(value instanceof String || value instanceof Number || value instanceof Boolean)) {
        throw invalid("Variable '" + spec.name() + "' (variables." + spec.name() + ") must be a string, a number or a boolean.", "variables." + spec.name());
      }
      String text = String.valueOf(value);
      if (text.length() > spec.maxLength()) {
        throw invalid("Variable '" + spec.name() + "' (variables." + spec.name() + ") is " + text.length() + " characters long; task '" + task.name()
            + "' takes at most " + spec.maxLength() + ".", "variables." + spec.name());
      }
      checked.put(spec.name(), text);
    }
    return checked;
  }

  private static GatewayException invalid(String message, String param) {
    return new GatewayException(GatewayError.invalid(message, param, null));
  }
}
