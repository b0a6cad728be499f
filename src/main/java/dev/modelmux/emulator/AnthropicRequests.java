package dev.modelmux.emulator;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads Anthropic Messages requests (shared/providers/anthropic-messages.md §1-2): the {@code x-api-key}
 * and {@code anthropic-version} headers and the JSON body, validated with Anthropic's
 * {@code "<field>: <problem>"} messages, into a wire-neutral {@link ChatRequest}.
 *
 * <p>Token estimate. Anthropic publishes no tokenizer, so the emulator counts the OpenAI-equivalent
 * request with the model's jtokkit encoding (cl100k_base for Claude models) through
 * {@code TokenCounter.countChat}: 3 tokens to prime the reply, and per message 3 + its role + its
 * content; the top-level {@code system} counts as a leading "system" message (its text blocks joined
 * by '\n'), text blocks and tool_result contents count as text parts, tool_use blocks as OpenAI
 * {@code tool_calls} JSON ({@code {id, type:"function", function:{name, arguments}}}), images as
 * nothing; tools count as their OpenAI JSON ({@code {type:"function", function:{name, description,
 * parameters: input_schema}}}). So a conversation costs the same input tokens in every dialect.
 */
final class AnthropicRequests {
  private static final Set<String> ROLES = Set.of("user", "assistant");

  private AnthropicRequests() {}

  /** The {@code x-api-key} value, or null when there is none. */
  static String apiKey(HttpServerRequest request) {
    String key = request.getHeader("x-api-key");
    return key == null || key.isBlank() ? null : key.trim();
  }

  /** Parses and validates a Messages body; throws {@link ApiError}. */
  static ChatRequest parse(JsonObject json, String apiKey) {
    if (!(json.getValue("model") instanceof String model) || model.isEmpty()) {
      throw missing("model");
    }
    Object rawMax = json.getValue("max_tokens");
    if (rawMax == null) {
      throw missing("max_tokens");
    }
    if (!(rawMax instanceof Integer || rawMax instanceof Long) || ((Number) rawMax).longValue() > Integer.MAX_VALUE) {
      throw invalid("max_tokens", "max_tokens: Input should be a valid integer");
    }
    if (((Number) rawMax).longValue() < 1) {
      throw invalid("max_tokens", "max_tokens: Input should be greater than or equal to 1");
    }
    int maxTokens = ((Number) rawMax).intValue();
    Object rawMessages = json.getValue("messages");
    if (rawMessages == null) {
      throw missing("messages");
    }
    if (!(rawMessages instanceof JsonArray messages)) {
      throw invalid("messages", "messages: Input should be a valid list");
    }
    if (messages.isEmpty()) {
      throw invalid("messages", "messages: at least one message is required");
    }
    Object system = json.getValue("system");
    if (system != null && !(system instanceof String) && !(system instanceof JsonArray)) {
      throw invalid("system", "system: Input should be a valid string or a list of text blocks");
    }
    JsonArray counted = new JsonArray();
    if (system != null) {
      counted.add(new JsonObject().put("role", "system").put("content", Turn.anthropicText(system)));
    }
    for (int i = 0; i < messages.size(); i++) {
      counted.add(message(messages.getValue(i), "messages." + i));
    }
    boolean stream = bool(json, "stream");
    JsonArray tools = tools(json.getValue("tools"));
    return new ChatRequest(model, apiKey, counted, Turn.fromAnthropic(json), tools,
        forcedTool(json.getValue("tool_choice"), tools), stream, false, maxTokens, stops(json.getValue("stop_sequences")));
  }

  /** One message, validated, in the OpenAI shape it is counted as. */
  private static JsonObject message(Object item, String at) {
    if (!(item instanceof JsonObject message)) {
      throw invalid(at, at + ": Input should be a valid dictionary");
    }
    Object role = message.getValue("role");
    if (role == null) {
      throw missing(at + ".role");
    }
    if (!(role instanceof String r) || !ROLES.contains(r)) {
      throw invalid(at + ".role", at + ".role: Input should be 'user' or 'assistant'");
    }
    Object content = message.getValue("content");
    if (content == null) {
      throw missing(at + ".content");
    }
    JsonObject out = new JsonObject().put("role", role);
    if (content instanceof String text) {
      return out.put("content", text);
    }
    if (!(content instanceof JsonArray blocks)) {
      throw invalid(at + ".content", at + ".content: Input should be a valid string or a list of content blocks");
    }
    JsonArray parts = new JsonArray();
    JsonArray calls = new JsonArray();
    for (int j = 0; j < blocks.size(); j++) {
      String where = at + ".content." + j;
      if (!(blocks.getValue(j) instanceof JsonObject block) || !(block.getValue("type") instanceof String type)) {
        throw invalid(where, where + ": Input should be a content block object with a 'type'");
      }
      switch (type) {
        case "text" -> {
          if (!(block.getValue("text") instanceof String text)) {
            throw missing(where + ".text");
          }
          parts.add(textPart(text));
        }
        case "tool_use" -> {
          if (!(block.getValue("name") instanceof String name)) {
            throw missing(where + ".name");
          }
          Object input = block.getValue("input");
          calls.add(new JsonObject().put("id", block.getValue("id")).put("type", "function")
              .put("function", new JsonObject().put("name", name)
                  .put("arguments", input instanceof JsonObject o ? o.encode() : "{}")));
        }
        case "tool_result" -> {
          if (!(block.getValue("tool_use_id") instanceof String)) {
            throw missing(where + ".tool_use_id");
          }
          String text = Turn.anthropicText(block.getValue("content"));
          if (!text.isEmpty()) {
            parts.add(textPart(text));
          }
        }
        default -> { } // image, document, thinking ...: not counted
      }
    }
    out.put("content", parts);
    if (!calls.isEmpty()) {
      out.put("tool_calls", calls);
    }
    return out;
  }

  private static JsonObject textPart(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  /** Declared tools in the OpenAI shape ({@code {type:"function", function:{name, description, parameters}}}), or null. */
  private static JsonArray tools(Object raw) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof JsonArray tools)) {
      throw invalid("tools", "tools: Input should be a valid list");
    }
    JsonArray out = new JsonArray();
    for (int i = 0; i < tools.size(); i++) {
      if (!(tools.getValue(i) instanceof JsonObject tool)) {
        throw invalid("tools." + i, "tools." + i + ": Input should be a valid dictionary");
      }
      if (!(tool.getValue("name") instanceof String name) || name.isEmpty()) {
        throw missing("tools." + i + ".name");
      }
      Object schema = tool.getValue("input_schema");
      if (schema == null && (tool.getValue("type") == null || "custom".equals(tool.getValue("type")))) {
        throw missing("tools." + i + ".input_schema");
      }
      JsonObject function = new JsonObject().put("name", name);
      if (tool.getValue("description") instanceof String description) {
        function.put("description", description);
      }
      function.put("parameters", schema instanceof JsonObject s ? s : new JsonObject().put("type", "object"));
      out.add(new JsonObject().put("type", "function").put("function", function));
    }
    return out.isEmpty() ? null : out;
  }

  /** The function ({name, description, parameters}) {@code tool_choice} forces, or null for auto/none. */
  private static JsonObject forcedTool(Object raw, JsonArray tools) {
    if (raw == null) {
      return null;
    }
    if (!(raw instanceof JsonObject choice) || !(choice.getValue("type") instanceof String type)) {
      throw invalid("tool_choice", "tool_choice: Input should be an object with a 'type'");
    }
    switch (type) {
      case "auto", "none" -> {
        return null;
      }
      case "any", "tool" -> {
        if (tools == null) {
          throw invalid("tool_choice", "tool_choice: tool_choice may only be specified while providing tools.");
        }
        String wanted = null;
        if ("tool".equals(type)) {
          if (!(choice.getValue("name") instanceof String name)) {
            throw missing("tool_choice.name");
          }
          wanted = name;
        }
        for (int i = 0; i < tools.size(); i++) {
          JsonObject function = tools.getJsonObject(i).getJsonObject("function");
          if (wanted == null || wanted.equals(function.getString("name"))) {
            return function;
          }
        }
        throw invalid("tool_choice.name", "tool_choice.name: Tool '" + wanted + "' not found in provided tools");
      }
      default -> throw invalid("tool_choice.type",
          "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
    }
  }

  private static List<String> stops(Object raw) {
    List<String> stops = new ArrayList<>();
    if (raw == null) {
      return stops;
    }
    if (!(raw instanceof JsonArray array)) {
      throw invalid("stop_sequences", "stop_sequences: Input should be a valid list");
    }
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof String s)) {
        throw invalid("stop_sequences." + i, "stop_sequences." + i + ": Input should be a valid string");
      }
      if (!s.isEmpty()) {
        stops.add(s);
      }
    }
    return stops;
  }

  private static boolean bool(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean b)) {
      throw invalid(field, field + ": Input should be a valid boolean");
    }
    return b;
  }

  private static ApiError missing(String field) {
    return ApiError.missingParameter(field, field + ": Field required");
  }

  private static ApiError invalid(String field, String message) {
    return ApiError.invalidParameter(field, null, message);
  }
}
