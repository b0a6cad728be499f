package dev.modelmux.api.anthropic;

import static dev.modelmux.api.JsonKind.ARRAY;
import static dev.modelmux.api.JsonKind.STRING;

import dev.modelmux.api.Fields;
import dev.modelmux.api.TaskCalls;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.Stream;

/** The turns of an Anthropic Messages body and the system prompt: content as a string or as typed blocks. */
final class AnthropicContent {
  private static final Fields FIELDS = new Fields(AnthropicWording.INSTANCE);
  /** Server-tool blocks the gateway only relays: their type is checked, the rest is the provider's to judge. */
  private static final List<String> RELAYED = List.of("server_tool_use", "web_search_tool_result", "search_result",
      "container_upload");
  private static final List<String> BLOCKS = Stream.concat(Stream.of("text", "image", "document", "tool_use", "tool_result",
      "thinking", "redacted_thinking"), RELAYED.stream()).toList();
  private static final List<String> TOOL_RESULT_BLOCKS = List.of("text", "image", "document");

  private AnthropicContent() {}

  /** A task call may send no messages of its own: the task's variant supplies them. */
  static void messages(JsonObject body) {
    JsonArray messages = TaskCalls.isTask(body) ? FIELDS.array(body, "", "messages") : FIELDS.nonEmptyArray(body, "", "messages");
    if (messages == null) {
      return;
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonObject message = FIELDS.objectAt(messages, "messages", i);
      String path = FIELDS.path("messages", i);
      FIELDS.requiredOneOf(message, path, "role", List.of("user", "assistant"));
      blocks(FIELDS.required(message, path, "content"), FIELDS.path(path, "content"), BLOCKS);
    }
  }

  static void system(JsonObject body) {
    Object system = body.getValue("system");
    if (system != null) {
      blocks(system, "system", List.of("text"));
    }
  }

  /** A string, or a list of blocks whose types are among {@code types}. */
  private static void blocks(Object content, String path, List<String> types) {
    if (content instanceof String) {
      return;
    }
    if (!(content instanceof JsonArray blocks)) {
      throw FIELDS.wording().wrongType(path, List.of(STRING, ARRAY), content);
    }
    for (int j = 0; j < blocks.size(); j++) {
      block(FIELDS.objectAt(blocks, path, j), FIELDS.path(path, j), types);
    }
  }

  private static void block(JsonObject block, String path, List<String> types) {
    FIELDS.object(block, path, "cache_control");
    switch (FIELDS.requiredOneOf(block, path, "type", types)) {
      case "text" -> FIELDS.requiredString(block, path, "text");
      case "image" -> source(block, path, List.of("base64", "url"));
      case "document" -> source(block, path, List.of("base64", "url", "text", "content", "file"));
      case "tool_use" -> {
        FIELDS.name(block, path, "id");
        FIELDS.name(block, path, "name");
        FIELDS.requiredObject(block, path, "input");
      }
      case "tool_result" -> {
        FIELDS.name(block, path, "tool_use_id");
        FIELDS.bool(block, path, "is_error");
        if (block.getValue("content") != null) {
          blocks(block.getValue("content"), FIELDS.path(path, "content"), TOOL_RESULT_BLOCKS);
        }
      }
      case "thinking" -> {
        FIELDS.requiredString(block, path, "thinking");
        FIELDS.requiredString(block, path, "signature");
      }
      case "redacted_thinking" -> FIELDS.requiredString(block, path, "data");
      default -> { } // one of RELAYED
    }
  }

  private static void source(JsonObject block, String path, List<String> kinds) {
    JsonObject source = FIELDS.requiredObject(block, path, "source");
    String sourcePath = FIELDS.path(path, "source");
    switch (FIELDS.requiredOneOf(source, sourcePath, "type", kinds)) {
      case "base64" -> {
        FIELDS.name(source, sourcePath, "media_type");
        FIELDS.name(source, sourcePath, "data");
      }
      case "url" -> FIELDS.name(source, sourcePath, "url");
      case "file" -> FIELDS.name(source, sourcePath, "file_id");
      case "text" -> FIELDS.requiredString(source, sourcePath, "data");
      default -> blocks(FIELDS.required(source, sourcePath, "content"), FIELDS.path(sourcePath, "content"), List.of("text", "image"));
    }
  }
}
