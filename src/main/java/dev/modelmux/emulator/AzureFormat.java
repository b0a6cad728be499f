package dev.modelmux.emulator;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Azure OpenAI Chat Completions on the wire (shared/providers/azure-openai.md):
 * {@code POST /openai/deployments/{deployment}/chat/completions?api-version=...} with the key in
 * {@code api-key} (or an Entra {@code Authorization: Bearer} token). The deployment segment names the
 * emulated model; a body {@code model} is ignored. Bodies and chunks are OpenAI's ({@link OpenAiFormat})
 * plus the content-filter annotations: a first stream chunk with no choices carrying
 * {@code prompt_filter_results} (id/model/object "" and created 0), {@code content_filter_results} on
 * every delta chunk ({@code {}} on role, tool and finish chunks), and both on non-streamed bodies.
 * Errors use Azure's envelope ({@code code} a status string or a name) where Azure has its own;
 * model-service errors (bad parameters, context length) pass through in OpenAI's shape.
 * Rate-limit headers: {@code x-ratelimit-remaining-requests/-tokens}; 429s add {@code retry-after}
 * (seconds) and {@code retry-after-ms}.
 */
final class AzureFormat implements WireFormat {
  static final Pattern PATH = Pattern.compile("^/openai/deployments/([^/]+)/chat/completions$");
  /** Quoted in messages when a request had no api-version (it is refused before any answer anyway). */
  static final String DEFAULT_API_VERSION = "2024-10-21";
  static final String ACCESS_DENIED = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
      + "provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";
  static final String DEPLOYMENT_NOT_FOUND = "The API deployment for this resource does not exist. If you created the "
      + "deployment within the last 5 minutes, please wait a moment and try again.";
  private static final String QUOTA = " Please go here: https://aka.ms/oai/quotaincrease if you would like to further "
      + "increase the default rate limit.";

  private final OpenAiFormat openAi = new OpenAiFormat();

  /** The deployment named by an Azure chat path, or null when the path is not one. */
  static String deployment(String path) {
    Matcher m = PATH.matcher(path);
    return m.matches() ? URLDecoder.decode(m.group(1), StandardCharsets.UTF_8) : null;
  }

  @Override
  public ChatRequest read(HttpServerRequest request, Buffer body) {
    String key = request.getHeader("api-key");
    if (key == null || key.isBlank()) {
      key = OpenAiRequests.apiKey(request);
    }
    if (key == null || key.isBlank()) {
      throw ApiError.missingApiKey();
    }
    String version = request.getParam("api-version");
    if (version == null || version.isBlank()) {
      throw ApiError.missingApiVersion("api-version");
    }
    JsonObject json = OpenAiRequests.object(body);
    json.put("model", deployment(request.path())); // the deployment decides the model
    return OpenAiRequests.parse(json, key.trim());
  }

  @Override
  public String modelOf(HttpServerRequest request, Buffer body) {
    return deployment(request.path());
  }

  @Override
  public void commonHeaders(MultiMap headers, ResponseMeta meta, RateLimitState state) {
    headers.set("x-request-id", meta.requestId());
    headers.set("apim-request-id", meta.requestId());
    headers.set("x-ms-region", "Emulated");
    if (state == null) {
      state = new RateLimitState(0, 0, 0, 0, 0, 0);
    }
    headers.set("x-ratelimit-remaining-requests",
        Long.toString(state.limitRequests() > 0 ? state.remainingRequests() : RateLimitState.NOMINAL_LIMIT));
    headers.set("x-ratelimit-remaining-tokens",
        Long.toString(state.limitTokens() > 0 ? state.remainingTokens() : RateLimitState.NOMINAL_LIMIT));
  }

  @Override
  public ErrorReply error(ApiError e, ResponseMeta meta) {
    long seconds = (e.retryAfterMs() + 999) / 1000;
    String version = meta.apiVersion() == null ? DEFAULT_API_VERSION : meta.apiVersion();
    JsonObject error = switch (e.kind()) {
      case INVALID_JSON, MISSING_PARAMETER, INVALID_PARAMETER, CONTEXT_LENGTH -> null; // the model service's OpenAI body
      case MISSING_API_KEY -> azure("401", ACCESS_DENIED);
      case MISSING_API_VERSION -> azure("BadRequest",
          "Missing required query parameter 'api-version'. Use a supported version, e.g. ?api-version=" + DEFAULT_API_VERSION + ".");
      case MODEL_NOT_FOUND -> azure("DeploymentNotFound", DEPLOYMENT_NOT_FOUND);
      case RATE_LIMIT_REQUESTS -> rateLimit(version, "call", seconds);
      case RATE_LIMIT_TOKENS, REQUEST_TOO_LARGE -> rateLimit(version, "token", seconds);
      case CONTENT_FILTER -> OpenAiFormat.contentFilter();
      case INJECTED -> switch (e.status()) {
        case 400 -> azure("BadRequest", "Invalid request: the emulator was told to reject this request.");
        case 401 -> azure("401", ACCESS_DENIED);
        case 403 -> azure("403", "Access denied due to Virtual Network/Firewall rules.");
        case 404 -> azure("DeploymentNotFound", DEPLOYMENT_NOT_FOUND);
        case 408 -> azure("408", "Request timed out.");
        case 429 -> rateLimit(version, "call", seconds);
        case 500 -> azure("InternalServerError", "The server had an error while processing your request. Sorry about that!");
        case 503 -> azure("503", "The service is temporarily unable to process your request. Please try again later.");
        default -> azure(Integer.toString(e.status()), "The server had an error processing your request (HTTP " + e.status() + ").");
      };
    };
    if (error == null) {
      return openAi.error(e, meta);
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (e.retryAfterMs() > 0) {
      headers.set("retry-after", Long.toString(seconds));
      headers.set("retry-after-ms", Long.toString(e.retryAfterMs()));
    }
    return new ErrorReply(e.status(), headers, "application/json", Buffer.buffer(new JsonObject().put("error", error).encode()));
  }

  private static JsonObject azure(String code, String message) {
    return new JsonObject().put("code", code).put("message", message);
  }

  private static JsonObject rateLimit(String version, String what, long seconds) {
    return azure("429", "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version " + version
        + " have exceeded " + what + " rate limit of your current OpenAI S0 pricing tier. Please retry after " + seconds
        + " second" + (seconds == 1 ? "" : "s") + "." + QUOTA);
  }

  @Override
  public Buffer completion(AnswerPlan plan, ResponseMeta meta) {
    JsonObject body = openAi.completionJson(plan, meta);
    body.put("prompt_filter_results", promptFilterResults());
    body.getJsonArray("choices").getJsonObject(0).put("content_filter_results", completionFilterResults());
    return Buffer.buffer(body.encode());
  }

  @Override
  public Buffer malformedCompletion(ResponseMeta meta) {
    return openAi.malformedCompletion(meta);
  }

  @Override
  public String streamContentType() {
    return openAi.streamContentType();
  }

  @Override
  public Buffer event(StreamEvent event, AnswerPlan plan, ResponseMeta meta) {
    if (event instanceof StreamEvent.Done) {
      return openAi.event(event, plan, meta);
    }
    JsonObject chunk = openAi.chunkJson(event, meta);
    if (chunk == null) {
      return null;
    }
    JsonArray choices = chunk.getJsonArray("choices");
    if (!choices.isEmpty()) {
      choices.getJsonObject(0).put("content_filter_results",
          event instanceof StreamEvent.Content ? severities() : new JsonObject());
    }
    Buffer bytes = OpenAiFormat.data(chunk);
    if (event instanceof StreamEvent.Start || event instanceof StreamEvent.ToolStart) {
      JsonObject filter = new JsonObject().put("choices", new JsonArray()).put("created", 0).put("id", "")
          .put("model", "").put("object", "").put("prompt_filter_results", promptFilterResults());
      return OpenAiFormat.data(filter).appendBuffer(bytes);
    }
    return bytes;
  }

  @Override
  public Buffer malformedEvent(ResponseMeta meta) {
    return openAi.malformedEvent(meta);
  }

  @Override
  public Buffer streamError(ResponseMeta meta) {
    return openAi.streamError(meta);
  }

  @Override
  public int streamErrorStatus() {
    return openAi.streamErrorStatus();
  }

  /** The four severity categories, all safe and unfiltered. */
  static JsonObject severities() {
    return new JsonObject()
        .put("hate", OpenAiFormat.severity(false, "safe"))
        .put("self_harm", OpenAiFormat.severity(false, "safe"))
        .put("sexual", OpenAiFormat.severity(false, "safe"))
        .put("violence", OpenAiFormat.severity(false, "safe"));
  }

  private static JsonArray promptFilterResults() {
    return new JsonArray().add(new JsonObject().put("prompt_index", 0)
        .put("content_filter_results", severities().put("jailbreak", detection())));
  }

  private static JsonObject completionFilterResults() {
    return severities().put("protected_material_text", detection()).put("protected_material_code", detection());
  }

  private static JsonObject detection() {
    return new JsonObject().put("filtered", false).put("detected", false);
  }
}
