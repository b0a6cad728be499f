package dev.modelmux.emulator;

/**
 * What rate-limit headers report for one (API key, model): limits (0 = unlimited), what is left, and
 * how long until each bucket is completely replenished.
 */
public record RateLimitState(
    long limitRequests, long remainingRequests, long resetRequestsMs,
    long limitTokens, long remainingTokens, long resetTokensMs) {

  /** The same state with both buckets reported empty (used on 429s). */
  public RateLimitState exhausted() {
    return new RateLimitState(limitRequests, 0, Math.max(resetRequestsMs, 1000), limitTokens, 0, Math.max(resetTokensMs, 1000));
  }

  public RateLimitState withoutRequests() {
    return new RateLimitState(limitRequests, 0, resetRequestsMs, limitTokens, remainingTokens, resetTokensMs);
  }

  public RateLimitState withoutTokens() {
    return new RateLimitState(limitRequests, remainingRequests, resetRequestsMs, limitTokens, 0, resetTokensMs);
  }
}
