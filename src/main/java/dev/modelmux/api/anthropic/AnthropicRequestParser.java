package dev.modelmux.api.anthropic;

import dev.modelmux.api.Fields;
import dev.modelmux.api.StrictJson;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Validates an Anthropic Messages body as Anthropic does: "path: problem" messages, invalid_request_error. Every
 * field the gateway or a translator reads is checked for type and range here, before any provider is called.
 */
public final class AnthropicRequestParser {
  private static final Fields FIELDS = new Fields(AnthropicWording.INSTANCE);

  private AnthropicRequestParser() {}

  public static ChatRequest parse(String requestId, Buffer raw) {
    StrictJson.Read read = StrictJson.object(raw, AnthropicWording.INSTANCE, () -> new GatewayException(GatewayError.invalid(
        "There was an error parsing the body of your request: it is not a JSON object.", null, null)));
    JsonObject body = read.object();
    String model = FIELDS.name(body, "", "model");
    long maxTokens = FIELDS.requiredInteger(body, "", "max_tokens", 1, Integer.MAX_VALUE);
    AnthropicContent.messages(body);
    AnthropicContent.system(body);
    Boolean stream = FIELDS.bool(body, "", "stream");
    FIELDS.number(body, "", "temperature", 0, 1);
    FIELDS.number(body, "", "top_p", 0, 1);
    FIELDS.integer(body, "", "top_k", 0, Integer.MAX_VALUE);
    JsonArray stops = FIELDS.array(body, "", "stop_sequences");
    for (int i = 0; stops != null && i < stops.size(); i++) {
      FIELDS.stringAt(stops, "stop_sequences", i);
    }
    AnthropicTools.validate(body);
    JsonObject metadata = FIELDS.object(body, "", "metadata");
    if (metadata != null) {
      FIELDS.string(metadata, "metadata", "user_id");
    }
    JsonObject thinking = FIELDS.object(body, "", "thinking");
    if (thinking != null && "enabled".equals(FIELDS.requiredOneOf(thinking, "thinking", "type", List.of("enabled", "disabled")))) {
      FIELDS.requiredInteger(thinking, "thinking", "budget_tokens", 1024, Integer.MAX_VALUE);
    }
    FIELDS.oneOf(body, "", "service_tier", List.of("auto", "standard_only"));
    return new ChatRequest(requestId, Dialect.ANTHROPIC, body, model, Boolean.TRUE.equals(stream), true,
        (int) maxTokens, raw.length(), raw, read.members());
  }
}
