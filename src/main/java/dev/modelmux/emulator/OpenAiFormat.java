package dev.modelmux.emulator;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** OpenAI Chat Completions on the wire (shared/providers/openai-chat.md). */
final class OpenAiFormat implements WireFormat {
  /** What limit/remaining headers say for a dimension configured as unlimited (0). */
  static final long UNLIMITED = RateLimitState.NOMINAL_LIMIT;
  static final String ORGANIZATION = "org-emulator";
  private static final String RATE_LIMIT_DOCS = "Visit https://platform.openai.com/account/rate-limits to learn more.";
  private static final String SERVER_ERROR = "The server had an error while processing your request. Sorry about that!";
  private static final String BAD_GATEWAY_HTML = """
      <html>
      <head><title>502 Bad Gateway</title></head>
      <body>
      <center><h1>502 Bad Gateway</h1></center>
      <hr><center>cloudflare</center>
      </body>
      </html>
      """;

  @Override
  public ChatRequest read(HttpServerRequest request, Buffer body) {
    String key = OpenAiRequests.apiKey(request);
    if (key == null) {
      throw ApiError.missingApiKey();
    }
    return OpenAiRequests.parse(OpenAiRequests.object(body), key);
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
    headers.set("x-request-id", meta.requestId());
    headers.set("openai-organization", ORGANIZATION);
    headers.set("openai-version", "2020-10-01");
    headers.set("openai-processing-ms", "0");
    if (state == null) {
      state = new RateLimitState(0, 0, 0, 0, 0, 0);
    }
    headers.set("x-ratelimit-limit-requests", limit(state.limitRequests()));
    headers.set("x-ratelimit-limit-tokens", limit(state.limitTokens()));
    headers.set("x-ratelimit-remaining-requests", remaining(state.limitRequests(), state.remainingRequests()));
    headers.set("x-ratelimit-remaining-tokens", remaining(state.limitTokens(), state.remainingTokens()));
    headers.set("x-ratelimit-reset-requests", GoDuration.format(state.resetRequestsMs()));
    headers.set("x-ratelimit-reset-tokens", GoDuration.format(state.resetTokensMs()));
  }

  private static String limit(long limit) {
    return Long.toString(limit > 0 ? limit : UNLIMITED);
  }

  private static String remaining(long limit, long remaining) {
    return Long.toString(limit > 0 ? remaining : UNLIMITED);
  }

  @Override
  public ErrorReply error(ApiError e, ResponseMeta meta) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (e.retryAfterMs() > 0) {
      headers.set("retry-after", Long.toString((e.retryAfterMs() + 999) / 1000));
      headers.set("retry-after-ms", Long.toString(e.retryAfterMs()));
    }
    if (e.kind() == ApiError.Kind.INJECTED && e.status() == 502) {
      return new ErrorReply(502, headers, "text/html", Buffer.buffer(BAD_GATEWAY_HTML));
    }
    JsonObject error = switch (e.kind()) {
      case MISSING_API_KEY -> body("You didn't provide an API key. You need to provide your API key in an Authorization header "
          + "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from "
          + "https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key");
      case INVALID_JSON -> body("We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
          + "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. "
          + "If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
          "invalid_request_error", null, null);
      case MISSING_PARAMETER, INVALID_PARAMETER -> body(e.detail(), "invalid_request_error", e.param(), e.code());
      case MODEL_NOT_FOUND -> modelNotFound(e.model());
      case CONTEXT_LENGTH -> body(contextMessage(e), "invalid_request_error", "messages", "context_length_exceeded");
      case RATE_LIMIT_REQUESTS -> rateLimitBody(e, "requests", "RPM");
      case RATE_LIMIT_TOKENS -> rateLimitBody(e, "tokens", "TPM");
      case REQUEST_TOO_LARGE -> body("Request too large for " + e.model() + " in organization " + ORGANIZATION
          + " on tokens per min (TPM): Limit " + e.limit() + ", Requested " + e.requested()
          + ". The input or output tokens must be reduced in order to run successfully. " + RATE_LIMIT_DOCS,
          "tokens", null, "rate_limit_exceeded");
      case INJECTED -> injected(e);
      case MISSING_API_VERSION -> body("Missing required parameter: '" + e.param() + "'.", "invalid_request_error", e.param(),
          "missing_required_parameter");
      case CONTENT_FILTER -> contentFilter();
    };
    return new ErrorReply(e.status(), headers, "application/json", Buffer.buffer(new JsonObject().put("error", error).encode()));
  }

  /**
   * The prompt content-filter refusal (Azure's body; OpenAI clients read it as a 400 {@code BadRequestError}).
   * {@code code:"content_filter"}, {@code innererror.code:"ResponsibleAIPolicyViolation"} and a singular
   * {@code innererror.content_filter_result} with one filtered category.
   */
  static JsonObject contentFilter() {
    JsonObject result = new JsonObject()
        .put("hate", severity(false, "safe"))
        .put("jailbreak", new JsonObject().put("filtered", false).put("detected", false))
        .put("self_harm", severity(false, "safe"))
        .put("sexual", severity(true, "high"))
        .put("violence", severity(false, "safe"));
    return new JsonObject()
        .put("message", "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. "
            + "Please modify your prompt and retry. To learn more about our content filtering policies please read our "
            + "documentation: https://go.microsoft.com/fwlink/?linkid=2198766")
        .put("type", null).put("param", "prompt").put("code", "content_filter").put("status", 400)
        .put("innererror", new JsonObject().put("code", "ResponsibleAIPolicyViolation").put("content_filter_result", result));
  }

  static JsonObject severity(boolean filtered, String severity) {
    return new JsonObject().put("filtered", filtered).put("severity", severity);
  }

  private static JsonObject injected(ApiError e) {
    return switch (e.status()) {
      case 400 -> body("Invalid request: the emulator was told to reject this request.", "invalid_request_error", null, null);
      case 401 -> body("Incorrect API key provided: sk-emu***ated. You can find your API key at "
          + "https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key");
      case 403 -> body("Country, region, or territory not supported", "request_forbidden", null, "unsupported_country_region_territory");
      case 404 -> modelNotFound(e.model());
      case 408 -> body("Request timed out.", "timeout", null, null);
      case 429 -> rateLimitBody(e, "requests", "RPM");
      case 500 -> body(SERVER_ERROR, "server_error", null, null);
      case 503 -> body("The engine is currently overloaded, please try again later", "server_error", null, null);
      default -> body("The server had an error processing your request (HTTP " + e.status() + ").", "server_error", null, null);
    };
  }

  private static JsonObject modelNotFound(String model) {
    return body("The model `" + model + "` does not exist or you do not have access to it.",
        "invalid_request_error", null, "model_not_found");
  }

  private static String contextMessage(ApiError e) {
    if (e.completion() > 0) {
      return "This model's maximum context length is " + e.limit() + " tokens. However, you requested "
          + (e.requested() + e.completion()) + " tokens (" + e.requested() + " in the messages, " + e.completion()
          + " in the completion). Please reduce the length of the messages or completion.";
    }
    return "This model's maximum context length is " + e.limit() + " tokens. However, your messages resulted in "
        + e.requested() + " tokens. Please reduce the length of the messages.";
  }

  private static JsonObject rateLimitBody(ApiError e, String type, String unit) {
    String dimension = "RPM".equals(unit) ? "requests per min (RPM)" : "tokens per min (TPM)";
    return body("Rate limit reached for " + e.model() + " in organization " + ORGANIZATION + " on " + dimension
        + ": Limit " + e.limit() + ", Used " + e.used() + ", Requested " + e.requested() + ". Please try again in "
        + GoDuration.format(e.retryAfterMs()) + ". " + RATE_LIMIT_DOCS, type, null, "rate_limit_exceeded");
  }

  private static JsonObject body(String message, String type, String param, String code) {
    return new JsonObject().put("message", message).put("type", type).put("param", param).put("code", code);
  }

  @Override
  public Buffer completion(AnswerPlan plan, ResponseMeta meta) {
    return Buffer.buffer(completionJson(plan, meta).encode());
  }

  /** The non-streamed body as JSON (Azure adds its filter annotations to it). */
  JsonObject completionJson(AnswerPlan plan, ResponseMeta meta) {
    JsonObject message = new JsonObject().put("role", "assistant");
    if (plan.toolCall() != null) {
      AnswerPlan.ToolCall call = plan.toolCall();
      message.put("content", null).put("tool_calls", new JsonArray().add(new JsonObject()
          .put("id", call.id()).put("type", "function")
          .put("function", new JsonObject().put("name", call.name()).put("arguments", call.arguments()))));
    } else {
      message.put("content", plan.text());
    }
    message.put("refusal", null).put("annotations", new JsonArray());
    JsonObject body = head(meta, "chat.completion")
        .put("choices", new JsonArray().add(new JsonObject()
            .put("index", 0).put("message", message).put("logprobs", null).put("finish_reason", finish(plan.finishReason()))))
        .put("usage", usage(plan.promptTokens(), plan.completionTokens()));
    return body;
  }

  @Override
  public Buffer malformedCompletion(ResponseMeta meta) {
    return Buffer.buffer("{\"id\":\"" + meta.completionId() + "\",\"object\":\"chat.completion\",\"choices\":[{\"message\":{\"content\":");
  }

  @Override
  public String streamContentType() {
    return "text/event-stream; charset=utf-8";
  }

  @Override
  public Buffer event(StreamEvent event, AnswerPlan plan, ResponseMeta meta) {
    if (event instanceof StreamEvent.Done) {
      return Buffer.buffer("data: [DONE]\n\n");
    }
    JsonObject chunk = chunkJson(event, meta);
    return chunk == null ? null : data(chunk);
  }

  /** The chunk for a step other than Done as JSON, or null when none is sent (Azure annotates it). */
  JsonObject chunkJson(StreamEvent event, ResponseMeta meta) {
    if (event instanceof StreamEvent.Usage usage) {
      return meta.includeUsage()
          ? head(meta, "chat.completion.chunk").put("choices", new JsonArray())
              .put("usage", usage(usage.promptTokens(), usage.completionTokens()))
          : null;
    }
    JsonObject delta = new JsonObject();
    String finish = null;
    if (event instanceof StreamEvent.Start) {
      delta.put("role", "assistant").put("content", "").put("refusal", null);
    } else if (event instanceof StreamEvent.Content content) {
      delta.put("content", content.text());
    } else if (event instanceof StreamEvent.ToolStart start) {
      delta.put("role", "assistant").put("content", null).put("tool_calls", new JsonArray().add(new JsonObject()
          .put("index", 0).put("id", start.call().id()).put("type", "function")
          .put("function", new JsonObject().put("name", start.call().name()).put("arguments", ""))));
    } else if (event instanceof StreamEvent.ToolArguments arguments) {
      delta.put("tool_calls", new JsonArray().add(new JsonObject()
          .put("index", 0).put("function", new JsonObject().put("arguments", arguments.fragment()))));
    } else if (event instanceof StreamEvent.Finish f) {
      finish = finish(f.reason());
    }
    JsonObject chunk = head(meta, "chat.completion.chunk").put("choices", new JsonArray().add(new JsonObject()
        .put("index", 0).put("delta", delta).put("logprobs", null).put("finish_reason", finish)));
    if (meta.includeUsage()) {
      chunk.put("usage", null);
    }
    return chunk;
  }

  @Override
  public Buffer malformedEvent(ResponseMeta meta) {
    return Buffer.buffer("data: {\"id\":\"chatcmpl-x\",\"choices\":[{\"delta\":{\"content\":\n\n");
  }

  @Override
  public Buffer streamError(ResponseMeta meta) {
    return data(new JsonObject().put("error", body(SERVER_ERROR, "server_error", null, null)));
  }

  @Override
  public int streamErrorStatus() {
    return 500;
  }

  static Buffer data(JsonObject chunk) {
    return Buffer.buffer("data: " + chunk.encode() + "\n\n");
  }

  private static JsonObject head(ResponseMeta meta, String object) {
    return new JsonObject()
        .put("id", meta.completionId())
        .put("object", object)
        .put("created", meta.createdSeconds())
        .put("model", meta.model())
        .put("system_fingerprint", "fp_emulator0")
        .put("service_tier", "default");
  }

  private static String finish(FinishReason reason) {
    return switch (reason) {
      case STOP -> "stop";
      case LENGTH -> "length";
      case TOOL_CALLS -> "tool_calls";
    };
  }

  private static JsonObject usage(int prompt, int completion) {
    return new JsonObject()
        .put("prompt_tokens", prompt)
        .put("completion_tokens", completion)
        .put("total_tokens", prompt + completion)
        .put("prompt_tokens_details", new JsonObject().put("cached_tokens", 0).put("audio_tokens", 0))
        .put("completion_tokens_details", new JsonObject().put("reasoning_tokens", 0).put("audio_tokens", 0)
            .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0));
  }

  /** The {@code GET /v1/models} body for the given model names. */
  static Buffer modelList(Iterable<String> names) {
    JsonArray data = new JsonArray();
    for (String name : names) {
      data.add(new JsonObject().put("id", name).put("object", "model").put("created", 1686935002L).put("owned_by", "emulator"));
    }
    return Buffer.buffer(new JsonObject().put("object", "list").put("data", data).encode());
  }
}
