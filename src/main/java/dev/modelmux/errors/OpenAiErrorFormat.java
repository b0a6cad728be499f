package dev.modelmux.errors;

import dev.modelmux.core.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/** OpenAI's error envelope {"error":{"message","type","param","code"}}, with the types and codes OpenAI uses. */
final class OpenAiErrorFormat implements ErrorFormat {
  static final OpenAiErrorFormat INSTANCE = new OpenAiErrorFormat();

  private OpenAiErrorFormat() {}

  @Override
  public int status(GatewayError error) {
    return error.status();
  }

  @Override
  public Buffer errorBody(GatewayError error) {
    return envelope(error).toBuffer();
  }

  @Override
  public void errorHeaders(GatewayError error, MultiMap headers) {
    ErrorFormat.retryAfterHeaders(error, headers);
  }

  @Override
  public Buffer streamError(GatewayError error) {
    return Buffer.buffer("data: ").appendBuffer(envelope(error).toBuffer()).appendString("\n\n");
  }

  static JsonObject envelope(GatewayError error) {
    JsonObject body = new JsonObject()
        .put("message", error.message())
        .put("type", type(error))
        .put("param", error.param())
        .put("code", code(error));
    return new JsonObject().put("error", body);
  }

  private static String type(GatewayError error) {
    return switch (error.kind()) {
      case INVALID_REQUEST, UNSUPPORTED_MEDIA_TYPE, REQUEST_TOO_LARGE, NOT_FOUND, CONTEXT_LENGTH_EXCEEDED, CONTENT_FILTER,
          UNAUTHENTICATED, FORBIDDEN -> "invalid_request_error";
      case RATE_LIMIT_REQUESTS -> "requests";
      case RATE_LIMIT_TOKENS -> "tokens";
      case QUOTA_EXCEEDED -> "insufficient_quota";
      case TIMEOUT -> "timeout";
      case OVERLOADED, SATURATED, UPSTREAM_ERROR, UPSTREAM_NOT_FOUND, NONCONFORMING_ANSWER, UPSTREAM_UNREACHABLE, SHUTTING_DOWN, INTERNAL -> "server_error";
    };
  }

  private static String code(GatewayError error) {
    if (error.code() != null) {
      return error.code();
    }
    return switch (error.kind()) {
      case NOT_FOUND -> "model_not_found";
      case UNAUTHENTICATED -> "invalid_api_key";
      case FORBIDDEN -> "model_not_allowed";
      case CONTEXT_LENGTH_EXCEEDED -> "context_length_exceeded";
      case CONTENT_FILTER -> "content_filter";
      case RATE_LIMIT_REQUESTS, RATE_LIMIT_TOKENS -> "rate_limit_exceeded";
      case QUOTA_EXCEEDED -> "insufficient_quota";
      case REQUEST_TOO_LARGE -> "request_too_large";
      case UNSUPPORTED_MEDIA_TYPE -> "unsupported_media_type";
      case SHUTTING_DOWN -> "gateway_shutting_down";
      default -> null;
    };
  }
}
