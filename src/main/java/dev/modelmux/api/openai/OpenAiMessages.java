package dev.modelmux.api.openai;

import static dev.modelmux.api.JsonKind.ARRAY;
import static dev.modelmux.api.JsonKind.STRING;

import dev.modelmux.api.Fields;
import dev.modelmux.api.TaskCalls;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Every message of an OpenAI chat body: its role, its content as a string or as typed parts, its tool calls. */
final class OpenAiMessages {
  private static final Fields FIELDS = new Fields(OpenAiWording.INSTANCE);
  private static final List<String> ROLES = List.of("system", "developer", "user", "assistant", "tool", "function");
  private static final List<String> TEXT_ONLY = List.of("text");
  private static final List<String> USER_PARTS = List.of("text", "image_url", "input_audio", "file");
  private static final List<String> ASSISTANT_PARTS = List.of("text", "refusal");

  private OpenAiMessages() {}

  /** A task call may send no messages of its own: the task's variant supplies them. */
  static void validate(JsonObject body) {
    JsonArray messages = TaskCalls.isTask(body) ? FIELDS.array(body, "", "messages") : FIELDS.nonEmptyArray(body, "", "messages");
    if (messages == null) {
      return;
    }
    for (int i = 0; i < messages.size(); i++) {
      message(FIELDS.objectAt(messages, "messages", i), FIELDS.path("messages", i));
    }
  }

  private static void message(JsonObject message, String path) {
    String role = FIELDS.requiredOneOf(message, path, "role", ROLES);
    FIELDS.string(message, path, "name");
    switch (role) {
      case "user" -> content(message, path, true, USER_PARTS);
      case "assistant" -> {
        content(message, path, false, ASSISTANT_PARTS);
        FIELDS.string(message, path, "refusal");
        toolCalls(message, path);
        JsonObject functionCall = FIELDS.object(message, path, "function_call");
        if (functionCall != null) {
          String callPath = FIELDS.path(path, "function_call");
          FIELDS.name(functionCall, callPath, "name");
          FIELDS.requiredString(functionCall, callPath, "arguments");
        }
      }
      case "tool" -> {
        content(message, path, true, TEXT_ONLY);
        FIELDS.name(message, path, "tool_call_id");
      }
      case "function" -> {
        content(message, path, false, TEXT_ONLY);
        FIELDS.name(message, path, "name");
      }
      default -> content(message, path, true, TEXT_ONLY);
    }
  }

  private static void content(JsonObject message, String path, boolean required, List<String> partTypes) {
    Object content = required ? FIELDS.required(message, path, "content") : message.getValue("content");
    String contentPath = FIELDS.path(path, "content");
    if (content == null || content instanceof String) {
      return;
    }
    if (!(content instanceof JsonArray parts)) {
      throw FIELDS.wording().wrongType(contentPath, List.of(STRING, ARRAY), content);
    }
    for (int j = 0; j < parts.size(); j++) {
      part(FIELDS.objectAt(parts, contentPath, j), FIELDS.path(contentPath, j), partTypes);
    }
  }

  private static void part(JsonObject part, String path, List<String> types) {
    switch (FIELDS.requiredOneOf(part, path, "type", types)) {
      case "text" -> FIELDS.requiredString(part, path, "text");
      case "refusal" -> FIELDS.requiredString(part, path, "refusal");
      case "image_url" -> {
        JsonObject image = FIELDS.requiredObject(part, path, "image_url");
        String imagePath = FIELDS.path(path, "image_url");
        FIELDS.name(image, imagePath, "url");
        FIELDS.oneOf(image, imagePath, "detail", List.of("auto", "low", "high"));
      }
      case "input_audio" -> {
        JsonObject audio = FIELDS.requiredObject(part, path, "input_audio");
        String audioPath = FIELDS.path(path, "input_audio");
        FIELDS.name(audio, audioPath, "data");
        FIELDS.requiredOneOf(audio, audioPath, "format", List.of("wav", "mp3"));
      }
      default -> {
        JsonObject file = FIELDS.requiredObject(part, path, "file");
        String filePath = FIELDS.path(path, "file");
        FIELDS.string(file, filePath, "file_data");
        FIELDS.string(file, filePath, "file_id");
        FIELDS.string(file, filePath, "filename");
      }
    }
  }

  private static void toolCalls(JsonObject message, String path) {
    JsonArray calls = FIELDS.array(message, path, "tool_calls");
    if (calls == null) {
      return;
    }
    String callsPath = FIELDS.path(path, "tool_calls");
    for (int k = 0; k < calls.size(); k++) {
      JsonObject call = FIELDS.objectAt(calls, callsPath, k);
      String callPath = FIELDS.path(callsPath, k);
      FIELDS.name(call, callPath, "id");
      FIELDS.oneOf(call, callPath, "type", List.of("function"));
      JsonObject function = FIELDS.requiredObject(call, callPath, "function");
      String functionPath = FIELDS.path(callPath, "function");
      FIELDS.name(function, functionPath, "name");
      FIELDS.requiredString(function, functionPath, "arguments");
    }
  }
}
