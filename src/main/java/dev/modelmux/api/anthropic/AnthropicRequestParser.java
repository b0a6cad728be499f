package dev.modelmux.api.anthropic;

import dev.modelmux.core.Dialect;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Validates an Anthropic Messages body as Anthropic does: "field: problem" messages, invalid_request_error. */
public final class AnthropicRequestParser {
  private AnthropicRequestParser() {}

  public static ChatRequest parse(String requestId, Buffer raw) {
    JsonObject body;
    try {
      body = new JsonObject(raw);
    } catch (DecodeException | ClassCastException e) {
      throw invalid("There was an error parsing the body of your request: it is not a JSON object.", null);
    }
    Object model = body.getValue("model");
    if (model == null) {
      throw required("model");
    }
    if (!(model instanceof String name) || name.isBlank()) {
      throw invalid("model: Input should be a valid string", "model");
    }
    Object maxTokens = body.getValue("max_tokens");
    if (maxTokens == null) {
      throw required("max_tokens");
    }
    if (!(maxTokens instanceof Integer || maxTokens instanceof Long) || ((Number) maxTokens).longValue() > Integer.MAX_VALUE) {
      throw invalid("max_tokens: Input should be a valid integer", "max_tokens");
    }
    if (((Number) maxTokens).intValue() < 1) {
      throw invalid("max_tokens: Input should be greater than or equal to 1", "max_tokens");
    }
    messages(body.getValue("messages"));
    system(body.getValue("system"));
    Object stream = body.getValue("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      throw invalid("stream: Input should be a valid boolean", "stream");
    }
    Object temperature = body.getValue("temperature");
    if (temperature != null && (!(temperature instanceof Number t) || t.doubleValue() < 0 || t.doubleValue() > 1)) {
      throw invalid("temperature: Input should be a number between 0 and 1", "temperature");
    }
    Object stops = body.getValue("stop_sequences");
    if (stops != null && (!(stops instanceof JsonArray list) || !list.stream().allMatch(s -> s instanceof String))) {
      throw invalid("stop_sequences: Input should be a valid list of strings", "stop_sequences");
    }
    if (body.getValue("tools") != null && !(body.getValue("tools") instanceof JsonArray)) {
      throw invalid("tools: Input should be a valid list", "tools");
    }
    if (body.getValue("tool_choice") != null && !(body.getValue("tool_choice") instanceof JsonObject)) {
      throw invalid("tool_choice: Input should be a valid dictionary", "tool_choice");
    }
    return new ChatRequest(requestId, Dialect.ANTHROPIC, body, name, Boolean.TRUE.equals(stream), true,
        ((Number) maxTokens).intValue(), raw.length(), raw);
  }

  private static void messages(Object value) {
    if (value == null) {
      throw required("messages");
    }
    if (!(value instanceof JsonArray messages)) {
      throw invalid("messages: Input should be a valid list", "messages");
    }
    if (messages.isEmpty()) {
      throw invalid("messages: at least one message is required", "messages");
    }
    for (int i = 0; i < messages.size(); i++) {
      String field = "messages." + i;
      if (!(messages.getValue(i) instanceof JsonObject message)) {
        throw invalid(field + ": Input should be a valid dictionary", field);
      }
      Object role = message.getValue("role");
      if (!"user".equals(role) && !"assistant".equals(role)) {
        throw invalid(field + ".role: Input should be 'user' or 'assistant'", field + ".role");
      }
      Object content = message.getValue("content");
      if (content == null) {
        throw required(field + ".content");
      }
      if (content instanceof JsonArray blocks) {
        for (int b = 0; b < blocks.size(); b++) {
          if (!(blocks.getValue(b) instanceof JsonObject block) || !(block.getValue("type") instanceof String)) {
            throw invalid(field + ".content." + b + ": Input should be a content block with a type", field + ".content." + b);
          }
        }
      } else if (!(content instanceof String)) {
        throw invalid(field + ".content: Input should be a valid string or list of content blocks", field + ".content");
      }
    }
  }

  private static void system(Object system) {
    if (system == null || system instanceof String) {
      return;
    }
    if (!(system instanceof JsonArray blocks) || !blocks.stream().allMatch(b -> b instanceof JsonObject block && block.getValue("text") instanceof String)) {
      throw invalid("system: Input should be a valid string or list of text blocks", "system");
    }
  }

  private static GatewayException required(String field) {
    return invalid(field + ": Field required", field);
  }

  private static GatewayException invalid(String message, String field) {
    return new GatewayException(GatewayError.invalid(message, field, null));
  }
}
