package dev.modelmux.api.anthropic;

import dev.modelmux.api.Fields;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The tools an Anthropic Messages body declares and the tool_choice that picks among them. */
final class AnthropicTools {
  private static final Fields FIELDS = new Fields(AnthropicWording.INSTANCE);

  private AnthropicTools() {}

  static void validate(JsonObject body) {
    JsonArray tools = FIELDS.array(body, "", "tools");
    if (tools != null) {
      for (int k = 0; k < tools.size(); k++) {
        tool(FIELDS.objectAt(tools, "tools", k), FIELDS.path("tools", k));
      }
    }
    JsonObject choice = FIELDS.object(body, "", "tool_choice");
    if (choice != null) {
      if ("tool".equals(FIELDS.requiredOneOf(choice, "tool_choice", "type", List.of("auto", "any", "tool", "none")))) {
        FIELDS.name(choice, "tool_choice", "name");
      }
      FIELDS.bool(choice, "tool_choice", "disable_parallel_tool_use");
    }
  }

  /** A client tool has a name and an input schema; a server tool (a typed one, web search say) needs only its name. */
  private static void tool(JsonObject tool, String path) {
    String type = FIELDS.string(tool, path, "type");
    FIELDS.name(tool, path, "name");
    FIELDS.string(tool, path, "description");
    FIELDS.object(tool, path, "cache_control");
    if (type == null || type.equals("custom")) {
      FIELDS.requiredObject(tool, path, "input_schema");
    } else {
      FIELDS.object(tool, path, "input_schema");
    }
  }
}
