package dev.modelmux.errors;

import dev.modelmux.core.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** Anthropic's error envelope {"type":"error","error":{"type","message"}}, with Anthropic's statuses (529 overloaded). */
final class AnthropicErrorFormat implements ErrorFormat {
  static final AnthropicErrorFormat INSTANCE = new AnthropicErrorFormat();

  private AnthropicErrorFormat() {}

  @Override
  public int status(GatewayError error) {
    return switch (error.kind()) {
      case OVERLOADED, SATURATED, SHUTTING_DOWN -> 529;
      case QUOTA_EXCEEDED -> 402;
      default -> error.status();
    };
  }

  @Override
  public Buffer errorBody(GatewayError error) {
    return envelope(error).toBuffer();
  }

  @Override
  public void errorHeaders(GatewayError error, MultiMap headers) {
    ErrorFormat.retryAfterHeaders(error, headers);
    if (status(error) == 529) {
      headers.set("x-should-retry", "true");
    }
  }

  @Override
  public Buffer streamError(GatewayError error) {
    return Buffer.buffer("event: error\ndata: ").appendBuffer(envelope(error).toBuffer()).appendString("\n\n");
  }

  private static JsonObject envelope(GatewayError error) {
    return new JsonObject().put("type", "error")
        .put("error", new JsonObject().put("type", type(error)).put("message", error.message()));
  }

  private static String type(GatewayError error) {
    return switch (error.kind()) {
      case INVALID_REQUEST, UNSUPPORTED_MEDIA_TYPE, CONTEXT_LENGTH_EXCEEDED, CONTENT_FILTER -> "invalid_request_error";
      case NOT_FOUND -> "not_found_error";
      case UNAUTHENTICATED -> "authentication_error";
      case FORBIDDEN -> "permission_error";
      case REQUEST_TOO_LARGE -> "request_too_large";
      case RATE_LIMIT_REQUESTS, RATE_LIMIT_TOKENS -> "rate_limit_error";
      case QUOTA_EXCEEDED -> "billing_error";
      case OVERLOADED, SATURATED, SHUTTING_DOWN -> "overloaded_error";
      case TIMEOUT -> "timeout_error";
      case UPSTREAM_ERROR, UPSTREAM_NOT_FOUND, NONCONFORMING_ANSWER, UPSTREAM_UNREACHABLE, INTERNAL -> "api_error";
    };
  }
}
