package dev.modelmux.api.openai;

import dev.modelmux.core.Dialect;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** Validates an OpenAI chat completion body the way OpenAI does, with the same messages, params and codes. */
public final class OpenAiRequestParser {
  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");

  private OpenAiRequestParser() {}

  public static ChatRequest parse(String requestId, Buffer raw) {
    JsonObject body = json(raw);
    String model = requiredString(body, "model");
    validateMessages(body.getValue("messages"));
    boolean stream = optionalBoolean(body, "stream");
    boolean includeUsage = false;
    Object options = body.getValue("stream_options");
    if (options != null) {
      if (!(options instanceof JsonObject streamOptions)) {
        throw wrongType("stream_options", "an object", options);
      }
      if (!stream) {
        throw new GatewayException(GatewayError.invalid(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", null));
      }
      includeUsage = optionalBoolean(streamOptions, "include_usage", "stream_options.include_usage");
    }
    Integer maxTokens = positiveInt(body, "max_completion_tokens");
    Integer legacyMax = positiveInt(body, "max_tokens");
    number(body, "temperature", 0, 2);
    number(body, "top_p", 0, 1);
    positiveInt(body, "n");
    validateStop(body.getValue("stop"));
    if (body.getValue("tools") != null && !(body.getValue("tools") instanceof JsonArray)) {
      throw wrongType("tools", "an array", body.getValue("tools"));
    }
    Object toolChoice = body.getValue("tool_choice");
    if (toolChoice != null && !(toolChoice instanceof String) && !(toolChoice instanceof JsonObject)) {
      throw wrongType("tool_choice", "a string or an object", toolChoice);
    }
    return new ChatRequest(requestId, Dialect.OPENAI, body, model, stream, includeUsage,
        maxTokens != null ? maxTokens : legacyMax, raw.length(), raw);
  }

  private static JsonObject json(Buffer raw) {
    try {
      return new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      throw new GatewayException(GatewayError.invalid(
          "We could not parse the JSON body of your request. The API expects a JSON object, but what was sent was not valid JSON.",
          null, null));
    }
  }

  private static void validateMessages(Object value) {
    if (value == null) {
      throw missing("messages");
    }
    if (!(value instanceof JsonArray messages)) {
      throw wrongType("messages", "an array", value);
    }
    if (messages.isEmpty()) {
      throw new GatewayException(GatewayError.invalid(
          "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
          "messages", "empty_array"));
    }
    for (int i = 0; i < messages.size(); i++) {
      String field = "messages[" + i + "]";
      if (!(messages.getValue(i) instanceof JsonObject message)) {
        throw wrongType(field, "an object", messages.getValue(i));
      }
      Object role = message.getValue("role");
      if (role == null) {
        throw missing(field + ".role");
      }
      if (!(role instanceof String r) || !ROLES.contains(r)) {
        throw new GatewayException(GatewayError.invalid(
            "Invalid value: '" + role + "'. Supported values are: 'system', 'developer', 'user', 'assistant', 'tool', and 'function'.",
            field + ".role", "invalid_value"));
      }
      Object content = message.getValue("content");
      boolean assistantCallingTools = "assistant".equals(r) && (message.containsKey("tool_calls") || message.containsKey("function_call"));
      if (content == null && !assistantCallingTools && !"assistant".equals(r)) {
        throw missing(field + ".content");
      }
      if (content != null && !(content instanceof String) && !(content instanceof JsonArray)) {
        throw wrongType(field + ".content", "one of a string or array of objects", content);
      }
    }
  }

  private static void validateStop(Object stop) {
    if (stop == null || stop instanceof String) {
      return;
    }
    if (!(stop instanceof JsonArray list)) {
      throw wrongType("stop", "one of a string or array of strings", stop);
    }
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof String)) {
        throw wrongType("stop[" + i + "]", "a string", list.getValue(i));
      }
    }
  }

  private static String requiredString(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      throw new GatewayException(GatewayError.invalid(
          "you must provide a " + field + " parameter", field, "missing_required_parameter"));
    }
    if (!(value instanceof String s) || s.isBlank()) {
      throw wrongType(field, "a string", value);
    }
    return s;
  }

  private static boolean optionalBoolean(JsonObject body, String field) {
    return optionalBoolean(body, field, field);
  }

  private static boolean optionalBoolean(JsonObject body, String field, String path) {
    Object value = body.getValue(field);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean b)) {
      throw wrongType(path, "a boolean", value);
    }
    return b;
  }

  private static Integer positiveInt(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() > Integer.MAX_VALUE) {
      throw wrongType(field, "an integer", value);
    }
    long n = ((Number) value).longValue();
    if (n < 1) {
      throw new GatewayException(GatewayError.invalid(
          "Invalid '" + field + "': integer below minimum value. Expected a value >= 1, but got " + n + " instead.",
          field, "integer_below_min_value"));
    }
    return (int) n;
  }

  private static void number(JsonObject body, String field, double min, double max) {
    Object value = body.getValue(field);
    if (value == null) {
      return;
    }
    if (!(value instanceof Number n)) {
      throw wrongType(field, "a number", value);
    }
    if (n.doubleValue() < min || n.doubleValue() > max) {
      throw new GatewayException(GatewayError.invalid(
          "Invalid '" + field + "': expected a value between " + min + " and " + max + ", but got " + n + " instead.",
          field, "invalid_value"));
    }
  }

  private static GatewayException missing(String field) {
    return new GatewayException(GatewayError.invalid(
        "Missing required parameter: '" + field + "'.", field, "missing_required_parameter"));
  }

  private static GatewayException wrongType(String field, String expected, Object actual) {
    return new GatewayException(GatewayError.invalid(
        "Invalid type for '" + field + "': expected " + expected + ", but got " + typeName(actual) + " instead.",
        field, "invalid_type"));
  }

  private static String typeName(Object value) {
    if (value instanceof String) {
      return "a string";
    }
    if (value instanceof Boolean) {
      return "a boolean";
    }
    if (value instanceof Integer || value instanceof Long) {
      return "an integer";
    }
    if (value instanceof Number) {
      return "a decimal";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    if (value instanceof JsonObject) {
      return "an object";
    }
    return "null";
  }
}
