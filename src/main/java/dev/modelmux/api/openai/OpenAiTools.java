package dev.modelmux.api.openai;

import static dev.modelmux.api.JsonKind.OBJECT;
import static dev.modelmux.api.JsonKind.STRING;

import dev.modelmux.api.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The tools an OpenAI chat body declares and the tool_choice that picks among them. */
final class OpenAiTools {
  private static final Fields FIELDS = new Fields(OpenAiWording.INSTANCE);
  private static final List<String> MODES = List.of("none", "auto", "required");

  private OpenAiTools() {}

  static void validate(JsonObject body) {
    JsonArray tools = FIELDS.array(body, "", "tools");
    if (tools != null) {
      for (int k = 0; k < tools.size(); k++) {
        tool(FIELDS.objectAt(tools, "tools", k), FIELDS.path("tools", k));
      }
    }
    toolChoice(body.getValue("tool_choice"));
    FIELDS.bool(body, "", "parallel_tool_calls");
  }

  private static void tool(JsonObject tool, String path) {
    FIELDS.requiredOneOf(tool, path, "type", List.of("function"));
    JsonObject function = FIELDS.requiredObject(tool, path, "function");
    String functionPath = FIELDS.path(path, "function");
    FIELDS.name(function, functionPath, "name");
    FIELDS.string(function, functionPath, "description");
    FIELDS.object(function, functionPath, "parameters");
    FIELDS.bool(function, functionPath, "strict");
  }

  private static void toolChoice(Object choice) {
    if (choice == null) {
      return;
    }
    if (choice instanceof String mode) {
      if (!MODES.contains(mode)) {
        throw FIELDS.wording().notOneOf("tool_choice", MODES, mode);
      }
      return;
    }
    if (!(choice instanceof JsonObject named)) {
      throw FIELDS.wording().wrongType("tool_choice", List.of(STRING, OBJECT), choice);
    }
    FIELDS.requiredOneOf(named, "tool_choice", "type", List.of("function"));
    FIELDS.name(FIELDS.requiredObject(named, "tool_choice", "function"), "tool_choice.function", "name");
  }
}
