package dev.modelmux.dispatch;

import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;

/**
 * Whether a tier's only obstacle was a provider's short retry-after, so that waiting it out once keeps the better
 * model instead of degrading to the next tier at once. Any other obstacle in the tier (a failure, an open breaker,
 * no budget) means moving on. One wait per request, never a loop.
 */
final class TierWait {
  /** The bound when the route sets no max_wait_ms. */
  static final long DEFAULT_BOUND_MS = 2000;

  private final long boundMs;
  private int tier = -1;
  private boolean onlyShortWaits;
  private long waitMs;
  private boolean used;

  /** @param routeMaxWaitMs the route's max_wait_ms, 0 when unset */
  TierWait(long routeMaxWaitMs) {
    this.boundMs = routeMaxWaitMs > 0 ? routeMaxWaitMs : DEFAULT_BOUND_MS;
  }

  /** A candidate of {@code tier} could not answer: with {@code error} (its failure) or without (skipped, no budget). */
  void obstacle(int tier, GatewayError error) {
    if (tier != this.tier) {
      this.tier = tier;
      onlyShortWaits = true;
      waitMs = Long.MAX_VALUE;
    }
    if (error != null && isShortRateLimit(error)) {
      waitMs = Math.min(waitMs, error.retryAfterMs());
    } else {
      onlyShortWaits = false;
    }
  }

  /** Milliseconds to wait before trying {@code tier} again instead of leaving it, or -1 to move on. */
  long beforeLeaving(int tier) {
    if (used || tier != this.tier || !onlyShortWaits) {
      return -1;
    }
    used = true;
    return waitMs;
  }

  private boolean isShortRateLimit(GatewayError error) {
    boolean rateLimited = error.kind() == ErrorKind.RATE_LIMIT_REQUESTS || error.kind() == ErrorKind.RATE_LIMIT_TOKENS;
    return rateLimited && error.retryAfterMs() > 0 && error.retryAfterMs() <= boundMs;
  }
}
