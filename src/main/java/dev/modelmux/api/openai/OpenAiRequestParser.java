package dev.modelmux.api.openai;

import static dev.modelmux.api.JsonKind.ARRAY;
import static dev.modelmux.api.JsonKind.STRING;

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
 * Validates an OpenAI chat completion body the way OpenAI does, with the same messages, params and codes: every
 * field the gateway or a translator reads is checked for type and range here, before any provider is called.
 */
public final class OpenAiRequestParser {
  private static final Fields FIELDS = new Fields(OpenAiWording.INSTANCE);
  private static final long MAX_INT = Integer.MAX_VALUE;

  private OpenAiRequestParser() {}

  public static ChatRequest parse(String requestId, Buffer raw) {
    StrictJson.Read read = json(raw);
    JsonObject body = read.object();
    String model = FIELDS.name(body, "", "model");
    OpenAiMessages.validate(body);
    boolean stream = Boolean.TRUE.equals(FIELDS.bool(body, "", "stream"));
    boolean includeUsage = streamOptions(body, stream);
    Long maxTokens = FIELDS.integer(body, "", "max_completion_tokens", 1, MAX_INT);
    Long legacyMax = FIELDS.integer(body, "", "max_tokens", 1, MAX_INT);
    FIELDS.number(body, "", "temperature", 0, 2);
    FIELDS.number(body, "", "top_p", 0, 1);
    FIELDS.number(body, "", "presence_penalty", -2, 2);
    FIELDS.number(body, "", "frequency_penalty", -2, 2);
    FIELDS.integer(body, "", "n", 1, 128);
    FIELDS.integer(body, "", "seed", Long.MIN_VALUE, Long.MAX_VALUE);
    FIELDS.bool(body, "", "logprobs");
    FIELDS.integer(body, "", "top_logprobs", 0, 20);
    logitBias(body);
    stop(body.getValue("stop"));
    OpenAiTools.validate(body);
    responseFormat(body);
    FIELDS.string(body, "", "user");
    FIELDS.stringMap(body, "", "metadata", 16);
    FIELDS.bool(body, "", "store");
    for (String name : List.of("service_tier", "reasoning_effort", "prompt_cache_key", "safety_identifier")) {
      FIELDS.string(body, "", name);
    }
    Long limit = maxTokens != null ? maxTokens : legacyMax;
    return new ChatRequest(requestId, Dialect.OPENAI, body, model, stream, includeUsage,
        limit == null ? null : limit.intValue(), raw.length(), raw, read.members());
  }

  private static StrictJson.Read json(Buffer raw) {
    return StrictJson.object(raw, OpenAiWording.INSTANCE, () -> new GatewayException(GatewayError.invalid(
        "We could not parse the JSON body of your request. The API expects a JSON object, but what was sent was not valid JSON.",
        null, null)));
  }

  private static boolean streamOptions(JsonObject body, boolean stream) {
    JsonObject options = FIELDS.object(body, "", "stream_options");
    if (options == null) {
      return false;
    }
    if (!stream) {
      throw new GatewayException(GatewayError.invalid(
          "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", null));
    }
    FIELDS.bool(options, "stream_options", "include_obfuscation");
    return Boolean.TRUE.equals(FIELDS.bool(options, "stream_options", "include_usage"));
  }

  private static void stop(Object stop) {
    if (stop == null || stop instanceof String) {
      return;
    }
    if (!(stop instanceof JsonArray list)) {
      throw FIELDS.wording().wrongType("stop", List.of(STRING, ARRAY), stop);
    }
    for (int i = 0; i < list.size(); i++) {
      FIELDS.stringAt(list, "stop", i);
    }
  }

  private static void logitBias(JsonObject body) {
    JsonObject bias = FIELDS.object(body, "", "logit_bias");
    if (bias != null) {
      for (String token : bias.fieldNames()) {
        FIELDS.number(bias, "logit_bias", token, -100, 100);
      }
    }
  }

  private static void responseFormat(JsonObject body) {
    JsonObject format = FIELDS.object(body, "", "response_format");
    if (format != null && "json_schema".equals(
        FIELDS.requiredOneOf(format, "response_format", "type", List.of("text", "json_object", "json_schema")))) {
      FIELDS.name(FIELDS.requiredObject(format, "response_format", "json_schema"), "response_format.json_schema", "name");
    }
  }
}
