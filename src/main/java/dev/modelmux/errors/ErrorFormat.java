package dev.modelmux.errors;

import dev.modelmux.core.Dialect;
import dev.modelmux.core.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/** How one client dialect spells errors, before and after a stream has begun. */
public interface ErrorFormat {
  /** The HTTP status this dialect uses for the error (Anthropic says 529 where OpenAI says 503). */
  int status(GatewayError error);

  /** The JSON error body for a response that has not started. */
  Buffer errorBody(GatewayError error);

  /** Headers that go with the error, such as retry-after. */
  void errorHeaders(GatewayError error, MultiMap headers);

  /** An SSE event that ends a stream already committed to the client. */
  Buffer streamError(GatewayError error);

  static ErrorFormat of(Dialect dialect) {
    return switch (dialect) {
      case OPENAI -> OpenAiErrorFormat.INSTANCE;
      case ANTHROPIC -> AnthropicErrorFormat.INSTANCE;
    };
  }

  /** retry-after (seconds, rounded up) and retry-after-ms, which both SDK families honour. */
  static void retryAfterHeaders(GatewayError error, MultiMap headers) {
    if (error.retryAfterMs() > 0) {
      headers.set("retry-after", Long.toString((error.retryAfterMs() + 999) / 1000));
      headers.set("retry-after-ms", Long.toString(error.retryAfterMs()));
    }
  }
}
