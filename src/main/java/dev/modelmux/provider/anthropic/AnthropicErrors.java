package dev.modelmux.provider.anthropic;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.provider.Redaction;
import dev.modelmux.provider.RetryAfter;
import dev.modelmux.provider.UpstreamErrorBody;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;

/** Anthropic's error envelope {"type":"error","error":{"type","message"}} in canonical form. */
public final class AnthropicErrors {
  private AnthropicErrors() {}

  public static GatewayError fromResponse(DeploymentConfig deployment, int status, MultiMap headers, Buffer body) {
    UpstreamErrorBody read = UpstreamErrorBody.read(deployment, status, body);
    String type = read.field("type") == null ? "" : read.field("type");
    String message = read.message();
    long retryAfterMs = RetryAfter.millis(headers, Instant.now());
    if (status == 401 || status == 403 || status == 404 || type.equals("authentication_error") || type.equals("permission_error")) {
      return UpstreamErrorBody.refused(deployment, status);
    }
    return switch (status) {
      case 400 -> outOfCredit(message) ? new GatewayError(429, ErrorKind.QUOTA_EXCEEDED, message, null, null, 0)
          : new GatewayError(400, message.startsWith("prompt is too long") ? ErrorKind.CONTEXT_LENGTH_EXCEEDED : ErrorKind.INVALID_REQUEST,
              message, null, null, 0);
      case 402 -> new GatewayError(429, ErrorKind.QUOTA_EXCEEDED, message, null, null, 0);
      case 413 -> new GatewayError(413, ErrorKind.REQUEST_TOO_LARGE, message, null, null, 0);
      case 429 -> new GatewayError(429, ErrorKind.RATE_LIMIT_TOKENS, message, null, null, retryAfterMs);
      case 408, 504 -> new GatewayError(504, ErrorKind.TIMEOUT, message, null, null, retryAfterMs);
      case 503, 529 -> new GatewayError(503, ErrorKind.OVERLOADED, message, null, null, retryAfterMs);
      default -> status >= 500
          ? new GatewayError(status, ErrorKind.UPSTREAM_ERROR, message, null, null, retryAfterMs)
          : new GatewayError(status, ErrorKind.INVALID_REQUEST, message, null, null, 0);
    };
  }

  /** Anthropic says an account has run out of prepaid credit with a 400 ("Your credit balance is too low ..."). */
  private static boolean outOfCredit(String message) {
    return message.toLowerCase(Locale.ROOT).contains("credit balance is too low");
  }

  /** An {@code event: error} inside a stream that had started. */
  public static GatewayError inStream(DeploymentConfig deployment, JsonObject error) {
    String message = Redaction.redact(error.getString("message", "The provider reported an error mid-stream."), deployment.apiKey());
    return switch (error.getString("type", "")) {
      case "overloaded_error" -> GatewayError.of(503, ErrorKind.OVERLOADED, message);
      case "rate_limit_error" -> GatewayError.of(429, ErrorKind.RATE_LIMIT_TOKENS, message);
      case "timeout_error" -> GatewayError.of(504, ErrorKind.TIMEOUT, message);
      default -> GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, message);
    };
  }
}
