package dev.modelmux.gateway;

import dev.modelmux.core.GatewayError;
import dev.modelmux.core.ErrorKind;
/** Which failures another deployment might not have; the rest are the request's own fault and go straight back. */
final class Failover {
  private Failover() {}

  static boolean worthTryingNext(GatewayError error, boolean contentFilterFailsOver) {
    if (error.kind() == ErrorKind.CONTENT_FILTER) {
      return contentFilterFailsOver;
    }
    return switch (error.kind()) {
      case RATE_LIMIT_REQUESTS, RATE_LIMIT_TOKENS, QUOTA_EXCEEDED, OVERLOADED, UPSTREAM_ERROR, UPSTREAM_UNREACHABLE, TIMEOUT,
          CONTEXT_LENGTH_EXCEEDED -> true;
      case INVALID_REQUEST, UNSUPPORTED_MEDIA_TYPE, REQUEST_TOO_LARGE, NOT_FOUND, CONTENT_FILTER, INTERNAL -> false;
    };
  }
}
