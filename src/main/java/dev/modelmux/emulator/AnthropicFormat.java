package dev.modelmux.emulator;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Anthropic Messages on the wire (shared/providers/anthropic-messages.md): {@code POST /v1/messages}
 * with {@code x-api-key} and {@code anthropic-version}. Answers are message objects with content blocks
 * and {@code stop_reason} end_turn / max_tokens / stop_sequence / tool_use; streams are named events
 * (message_start, content_block_start, ping, content_block_delta..., content_block_stop, message_delta
 * with the cumulative output_tokens, message_stop; no [DONE]). Usage is the documented cl100k estimate
 * of {@link AnthropicRequests}. Errors use {@code {"type":"error","error":{type,message},"request_id"}};
 * every response carries {@code request-id} and {@code anthropic-ratelimit-{requests,tokens}-{limit,
 * remaining,reset}} (reset an RFC 3339 time); 429s add {@code retry-after}. Injected 503s and 529s are
 * 529 {@code overloaded_error} with {@code x-should-retry: true}.
 */
final class AnthropicFormat implements WireFormat {
  static final String ORGANIZATION_ID = "00000000-0000-4000-8000-00000000e0a1";
  private static final String RATE_LIMIT_TAIL = ". For details, refer to: https://docs.anthropic.com/en/api/rate-limits. "
      + "You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, "
      + "or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options "
      + "for a rate limit increase.";

  @Override
  public ChatRequest read(HttpServerRequest request, Buffer body) {
    String key = AnthropicRequests.apiKey(request);
    if (key == null) {
      throw ApiError.missingApiKey();
    }
    String version = request.getHeader("anthropic-version");
    if (version == null || version.isBlank()) {
      throw ApiError.missingApiVersion("anthropic-version");
    }
    return AnthropicRequests.parse(OpenAiRequests.object(body), key);
  }

  @Override
  public String modelOf(HttpServerRequest request, Buffer body) {
    try {
      return OpenAiRequests.object(body).getValue("model") instanceof String m ? m : null;
    } catch (ApiError e) {
      return null;
    }
  }

  @Override
  public void commonHeaders(MultiMap headers, ResponseMeta meta, RateLimitState state) {
    headers.set("request-id", meta.requestId());
    headers.set("anthropic-organization-id", ORGANIZATION_ID);
    if (state == null) {
      state = new RateLimitState(0, 0, 0, 0, 0, 0);
    }
    long now = System.currentTimeMillis();
    headers.set("anthropic-ratelimit-requests-limit", Long.toString(RateLimitState.reported(state.limitRequests())));
    headers.set("anthropic-ratelimit-requests-remaining",
        Long.toString(state.limitRequests() > 0 ? state.remainingRequests() : RateLimitState.NOMINAL_LIMIT));
    headers.set("anthropic-ratelimit-requests-reset", rfc3339(now + state.resetRequestsMs()));
    headers.set("anthropic-ratelimit-tokens-limit", Long.toString(RateLimitState.reported(state.limitTokens())));
    headers.set("anthropic-ratelimit-tokens-remaining",
        Long.toString(state.limitTokens() > 0 ? state.remainingTokens() : RateLimitState.NOMINAL_LIMIT));
    headers.set("anthropic-ratelimit-tokens-reset", rfc3339(now + state.resetTokensMs()));
  }

  /** An RFC 3339 UTC time in whole seconds ({@code 2025-02-24T22:25:30Z}), rounded up so it is never early. */
  static String rfc3339(long epochMs) {
    return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochSecond((epochMs + 999) / 1000));
  }

  @Override
  public ErrorReply error(ApiError e, ResponseMeta meta) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    int status = e.status();
    String type;
    String message;
    switch (e.kind()) {
      case MISSING_API_KEY -> {
        type = "authentication_error";
        message = "invalid x-api-key";
      }
      case MISSING_API_VERSION -> {
        type = "invalid_request_error";
        message = "anthropic-version: header is required";
      }
      case INVALID_JSON -> {
        type = "invalid_request_error";
        message = "There was an error parsing the body of your request: it is not a valid JSON object.";
      }
      case MISSING_PARAMETER, INVALID_PARAMETER -> {
        type = "invalid_request_error";
        message = e.detail();
      }
      case MODEL_NOT_FOUND -> {
        type = "not_found_error";
        message = "model: " + e.model();
      }
      case CONTEXT_LENGTH -> {
        type = "invalid_request_error";
        message = contextMessage(e);
      }
      case RATE_LIMIT_REQUESTS -> {
        type = "rate_limit_error";
        message = rateLimitMessage(e.limit(), "requests");
      }
      case RATE_LIMIT_TOKENS, REQUEST_TOO_LARGE -> {
        type = "rate_limit_error";
        message = rateLimitMessage(e.limit(), "tokens");
      }
      case CONTENT_FILTER -> {
        type = "invalid_request_error";
        message = "Your request was blocked by the content filtering policy. Please modify your prompt and retry.";
      }
      case INJECTED -> {
        if (e.status() == 503 || e.status() == 529) {
          status = 529;
        }
        type = injectedType(status);
        message = injectedMessage(status, e);
      }
      default -> throw new IllegalStateException("unhandled error kind " + e.kind());
    }
    if (status == 429) {
      headers.set("retry-after", Long.toString(Math.max(1, (e.retryAfterMs() + 999) / 1000)));
    }
    if (status == 529) {
      headers.set("x-should-retry", "true");
    }
    JsonObject body = new JsonObject().put("type", "error")
        .put("error", new JsonObject().put("type", type).put("message", message))
        .put("request_id", meta.requestId());
    return new ErrorReply(status, headers, "application/json", Buffer.buffer(body.encode()));
  }

  /** max_tokens over the window, else the prompt over it, else both together over it. */
  private static String contextMessage(ApiError e) {
    if (e.completion() > e.limit()) {
      return "max_tokens: " + e.completion() + " > " + e.limit()
          + ", which is the maximum allowed number of output tokens for " + e.model();
    }
    if (e.requested() > e.limit()) {
      return "prompt is too long: " + e.requested() + " tokens > " + e.limit() + " maximum";
    }
    return "input length and `max_tokens` exceed context limit: " + e.requested() + " + " + e.completion() + " > "
        + e.limit() + ", decrease input length or `max_tokens` and try again";
  }

  private static String rateLimitMessage(long limit, String unit) {
    return "This request would exceed the rate limit for your organization (" + ORGANIZATION_ID + ") of "
        + String.format("%,d", limit) + " " + unit + " per minute" + RATE_LIMIT_TAIL;
  }

  private static String injectedType(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 504 -> "timeout_error";
      case 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  private static String injectedMessage(int status, ApiError e) {
    return switch (status) {
      case 401 -> "invalid x-api-key";
      case 403 -> "Your API key does not have permission to use the specified resource.";
      case 404 -> "model: " + e.model();
      case 429 -> rateLimitMessage(e.limit(), "requests");
      case 529 -> "Overloaded";
      case 500 -> "Internal server error";
      default -> status >= 500 ? "The server had an error processing your request (HTTP " + status + ")."
          : "Invalid request: the emulator was told to reject this request.";
    };
  }

  @Override
  public Buffer completion(AnswerPlan plan, ResponseMeta meta) {
    JsonArray content = new JsonArray();
    if (plan.toolCall() != null) {
      content.add(toolUse(plan.toolCall(), new JsonObject(plan.toolCall().arguments())));
    } else {
      content.add(new JsonObject().put("type", "text").put("text", plan.text()));
    }
    JsonObject body = message(meta, content, stopReason(plan), plan.stopSequence(),
        usage(plan.promptTokens(), plan.completionTokens()));
    return Buffer.buffer(body.encode());
  }

  @Override
  public Buffer malformedCompletion(ResponseMeta meta) {
    return Buffer.buffer("{\"id\":\"" + messageId(meta) + "\",\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":");
  }

  @Override
  public String streamContentType() {
    return "text/event-stream; charset=utf-8";
  }

  @Override
  public Buffer event(StreamEvent event, AnswerPlan plan, ResponseMeta meta) {
    if (event instanceof StreamEvent.Start || event instanceof StreamEvent.ToolStart) {
      JsonObject start = message(meta, new JsonArray(), null, null, usage(plan.promptTokens(), 1));
      JsonObject block = event instanceof StreamEvent.ToolStart tool
          ? toolUse(tool.call(), new JsonObject())
          : new JsonObject().put("type", "text").put("text", "");
      return sse("message_start", new JsonObject().put("type", "message_start").put("message", start))
          .appendBuffer(sse("content_block_start", new JsonObject().put("type", "content_block_start").put("index", 0)
              .put("content_block", block)))
          .appendBuffer(sse("ping", new JsonObject().put("type", "ping")));
    }
    if (event instanceof StreamEvent.Content content) {
      return delta(new JsonObject().put("type", "text_delta").put("text", content.text()));
    }
    if (event instanceof StreamEvent.ToolArguments arguments) {
      return delta(new JsonObject().put("type", "input_json_delta").put("partial_json", arguments.fragment()));
    }
    if (event instanceof StreamEvent.Finish) {
      return sse("content_block_stop", new JsonObject().put("type", "content_block_stop").put("index", 0));
    }
    if (event instanceof StreamEvent.Usage usage) {
      return sse("message_delta", new JsonObject().put("type", "message_delta")
          .put("delta", new JsonObject().put("stop_reason", stopReason(plan)).put("stop_sequence", plan.stopSequence()))
          .put("usage", new JsonObject().put("output_tokens", usage.completionTokens())));
    }
    return sse("message_stop", new JsonObject().put("type", "message_stop"));
  }

  @Override
  public Buffer malformedEvent(ResponseMeta meta) {
    return Buffer.buffer("event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\n\n");
  }

  @Override
  public Buffer streamError(ResponseMeta meta) {
    return sse("error", new JsonObject().put("type", "error")
        .put("error", new JsonObject().put("type", "overloaded_error").put("message", "Overloaded")));
  }

  @Override
  public int streamErrorStatus() {
    return 529;
  }

  private static Buffer delta(JsonObject delta) {
    return sse("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", 0).put("delta", delta));
  }

  private static Buffer sse(String event, JsonObject data) {
    return Buffer.buffer("event: " + event + "\ndata: " + data.encode() + "\n\n");
  }

  private static JsonObject message(ResponseMeta meta, JsonArray content, String stopReason, String stopSequence, JsonObject usage) {
    return new JsonObject()
        .put("id", messageId(meta))
        .put("type", "message")
        .put("role", "assistant")
        .put("model", meta.model())
        .put("content", content)
        .put("stop_reason", stopReason)
        .put("stop_sequence", stopSequence)
        .put("usage", usage);
  }

  /** {@code msg_} + the emulator's completion id without its OpenAI prefix. */
  static String messageId(ResponseMeta meta) {
    String id = meta.completionId() == null ? "emu" : meta.completionId();
    return "msg_" + (id.startsWith("chatcmpl-") ? id.substring("chatcmpl-".length()) : id);
  }

  /** {@code toolu_} + the hex of the planner's deterministic {@code call_} id. */
  static String toolUseId(AnswerPlan.ToolCall call) {
    return "toolu_" + (call.id().startsWith("call_") ? call.id().substring("call_".length()) : call.id());
  }

  private static JsonObject toolUse(AnswerPlan.ToolCall call, JsonObject input) {
    return new JsonObject().put("type", "tool_use").put("id", toolUseId(call)).put("name", call.name()).put("input", input);
  }

  static String stopReason(AnswerPlan plan) {
    return switch (plan.finishReason()) {
      case STOP -> plan.stopSequence() != null ? "stop_sequence" : "end_turn";
      case LENGTH -> "max_tokens";
      case TOOL_CALLS -> "tool_use";
    };
  }

  private static JsonObject usage(int input, int output) {
    return new JsonObject()
        .put("input_tokens", input)
        .put("cache_creation_input_tokens", 0)
        .put("cache_read_input_tokens", 0)
        .put("output_tokens", output)
        .put("service_tier", "standard");
  }
}
