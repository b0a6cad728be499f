package dev.modelmux.emulator;

/**
 * What rate-limit headers report for one (API key, model): limits (0 = unlimited), what is left, and
 * how long until each bucket is completely replenished.
 */
public record RateLimitState(
    long limitRequests, long remainingRequests, long resetRequestsMs,
    long limitTokens, long remainingTokens, long resetTokensMs) {

  /** The limit reported for a dimension configured as unlimited (0): a real provider always names a number. */
  public static final long NOMINAL_LIMIT = 1_000_000_000L;

  /** {@code limit}, or {@link #NOMINAL_LIMIT} when it is 0 (unlimited). */
  public static long reported(long limit) {
    return limit > 0 ? limit : NOMINAL_LIMIT;
  }

  /** The same state with both buckets reported empty for at least a second (injected 429s). */
  public RateLimitState exhausted() {
    return new RateLimitState(reported(limitRequests), 0, Math.max(resetRequestsMs, 1000),
        reported(limitTokens), 0, Math.max(resetTokensMs, 1000));
  }

  public RateLimitState withoutRequests() {
    return new RateLimitState(limitRequests, 0, resetRequestsMs, limitTokens, remainingTokens, resetTokensMs);
  }

  public RateLimitState withoutTokens() {
    return new RateLimitState(limitRequests, remainingRequests, resetRequestsMs, limitTokens, 0, resetTokensMs);
  }
}
