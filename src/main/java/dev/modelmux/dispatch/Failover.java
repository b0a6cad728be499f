package dev.modelmux.dispatch;

import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;

/** Which failures are worth another try, here or on another deployment; the rest are the request's own fault. */
final class Failover {
  private Failover() {}

  /**
   * How long an attempt may wait without a byte of answer before its failure counts as silence rather than a fast
   * failure. The same number as the floor of the first-token deadlines learned per deployment (issue 27): a deployment
   * silent that long is abandoned and not asked again.
   */
  static final long SILENCE_MS = 2_000;

  /**
   * A 500, or a connection that broke before any answer, that came fast: worth one more try on the same deployment.
   * Silence is not, whether a deadline ended it or the provider closed the connection after it ({@code silentMs}:
   * how long the attempt waited without a byte of answer).
   */
  static boolean worthRetrying(GatewayError error, long silentMs) {
    if (silentMs >= SILENCE_MS) {
      return false;
    }
    return error.kind() == ErrorKind.UPSTREAM_UNREACHABLE || (error.kind() == ErrorKind.UPSTREAM_ERROR && error.status() == 500);
  }

  static boolean worthTryingNext(GatewayError error, boolean contentFilterFailsOver) {
    if (error.kind() == ErrorKind.CONTENT_FILTER) {
      return contentFilterFailsOver;
    }
    return switch (error.kind()) {
      case RATE_LIMIT_REQUESTS, RATE_LIMIT_TOKENS, QUOTA_EXCEEDED, OVERLOADED, SATURATED, UPSTREAM_ERROR, UPSTREAM_NOT_FOUND,
          UPSTREAM_UNREACHABLE,
          TIMEOUT, CONTEXT_LENGTH_EXCEEDED, NONCONFORMING_ANSWER -> true;
      case INVALID_REQUEST, UNAUTHENTICATED, FORBIDDEN, UNSUPPORTED_MEDIA_TYPE, REQUEST_TOO_LARGE, NOT_FOUND, CONTENT_FILTER,
          SHUTTING_DOWN, INTERNAL -> false;
    };
  }
}
