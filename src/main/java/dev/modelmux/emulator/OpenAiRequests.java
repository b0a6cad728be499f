package dev.modelmux.emulator;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Reads OpenAI Chat Completions requests: the API key and the JSON body, validated as OpenAI does. */
final class OpenAiRequests {
  private OpenAiRequests() {}

  /** The bearer key, or null when there is none. */
  static String apiKey(HttpServerRequest request) {
    String header = request.getHeader("authorization");
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String key = header.substring(7).trim();
    return key.isEmpty() ? null : key;
  }

  /** The body as a JSON object; throws {@link ApiError} (invalid JSON) otherwise. */
  static JsonObject object(Buffer body) {
    Object parsed;
    try {
      parsed = body.length() == 0 ? null : Json.decode(body);
    } catch (DecodeException e) {
      throw ApiError.invalidJson();
    }
    if (!(parsed instanceof JsonObject json)) {
      throw ApiError.invalidJson();
    }
    return json;
  }

  /** Parses and validates a chat completion body; throws {@link ApiError}. */
  static ChatRequest parse(JsonObject json, String apiKey) {
    if (!(json.getValue("model") instanceof String model) || model.isEmpty()) {
      throw ApiError.missingParameter("model", "you must provide a model parameter");
    }
    Object rawMessages = json.getValue("messages");
    if (rawMessages == null) {
      throw ApiError.missingParameter("messages", "Missing required parameter: 'messages'.");
    }
    if (!(rawMessages instanceof JsonArray messages)) {
      throw ApiError.invalidParameter("messages", "invalid_type",
          "Invalid type for 'messages': expected an array of objects, but got " + typeName(rawMessages) + " instead.");
    }
    if (messages.isEmpty()) {
      throw ApiError.invalidParameter("messages", "empty_array",
          "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.");
    }
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject message) || !(message.getValue("role") instanceof String)) {
        throw ApiError.invalidParameter("messages[" + i + "]", "invalid_type",
            "Invalid type for 'messages[" + i + "]': expected an object with a 'role', but got " + typeName(messages.getValue(i)) + " instead.");
      }
    }
    boolean stream = bool(json, "stream");
    Object options = json.getValue("stream_options");
    if (options != null && !stream) {
      throw ApiError.invalidParameter("stream_options", null,
          "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
    }
    boolean includeUsage = options instanceof JsonObject o && Boolean.TRUE.equals(o.getValue("include_usage"));
    Integer maxTokens = positiveInt(json, "max_completion_tokens");
    if (maxTokens == null) {
      maxTokens = positiveInt(json, "max_tokens");
    }
    JsonArray tools = json.getValue("tools") instanceof JsonArray t && !t.isEmpty() ? t : null;
    if (json.getValue("tools") != null && !(json.getValue("tools") instanceof JsonArray)) {
      throw ApiError.invalidParameter("tools", "invalid_type", "Invalid type for 'tools': expected an array.");
    }
    return new ChatRequest(model, apiKey, messages, Turn.fromOpenAi(messages), tools,
        forcedTool(json.getValue("tool_choice"), tools), stream, includeUsage, maxTokens, stops(json.getValue("stop")));
  }

  private static JsonObject forcedTool(Object choice, JsonArray tools) {
    if (choice == null || "none".equals(choice) || "auto".equals(choice)) {
      return null;
    }
    if ("required".equals(choice) || choice instanceof JsonObject) {
      if (tools == null) {
        throw ApiError.invalidParameter("tool_choice", null,
            "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.");
      }
      String wanted = null;
      if (choice instanceof JsonObject object) {
        wanted = object.getValue("function") instanceof JsonObject f && f.getValue("name") instanceof String n ? n : null;
        if (wanted == null) {
          throw ApiError.missingParameter("tool_choice.function.name", "Missing required parameter: 'tool_choice.function.name'.");
        }
      }
      for (int i = 0; i < tools.size(); i++) {
        if (tools.getValue(i) instanceof JsonObject tool && tool.getValue("function") instanceof JsonObject function
            && function.getValue("name") instanceof String name && (wanted == null || wanted.equals(name))) {
          return function;
        }
      }
      throw ApiError.invalidParameter("tool_choice", null,
          "Invalid value for 'tool_choice': " + (wanted == null ? "no function tool was given." : "no function named '" + wanted + "' was specified in the 'tools' parameter."));
    }
    throw ApiError.invalidParameter("tool_choice", null,
        "Invalid value for 'tool_choice': expected 'none', 'auto', 'required' or a named function.");
  }

  private static List<String> stops(Object stop) {
    List<String> stops = new ArrayList<>();
    if (stop == null) {
      return stops;
    }
    if (stop instanceof String s) {
      if (!s.isEmpty()) {
        stops.add(s);
      }
      return stops;
    }
    if (stop instanceof JsonArray array && array.size() <= 4) {
      for (int i = 0; i < array.size(); i++) {
        if (!(array.getValue(i) instanceof String s)) {
          throw ApiError.invalidParameter("stop", "invalid_type", "Invalid type for 'stop[" + i + "]': expected a string.");
        }
        if (!s.isEmpty()) {
          stops.add(s);
        }
      }
      return stops;
    }
    throw ApiError.invalidParameter("stop", "invalid_type",
        "Invalid type for 'stop': expected a string or an array of at most 4 strings.");
  }

  private static boolean bool(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean b)) {
      throw ApiError.invalidParameter(field, "invalid_type",
          "Invalid type for '" + field + "': expected a boolean, but got " + typeName(value) + " instead.");
    }
    return b;
  }

  private static Integer positiveInt(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 1
        || ((Number) value).longValue() > Integer.MAX_VALUE) {
      throw ApiError.invalidParameter(field, "invalid_value",
          "Invalid '" + field + "': expected an integer of at least 1, but got " + value + " instead.");
    }
    return ((Number) value).intValue();
  }

  private static String typeName(Object value) {
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Number) {
      return "a number";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    return "null";
  }

  /** Decodes JSON without letting Jackson's exceptions escape as anything but DecodeException. */
  private static final class Json {
    static Object decode(Buffer body) {
      try {
        return io.vertx.core.json.Json.decodeValue(body);
      } catch (DecodeException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new DecodeException(e.getMessage());
      }
    }
  }
}
