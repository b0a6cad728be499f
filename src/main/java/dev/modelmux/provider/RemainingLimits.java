package dev.modelmux.provider;

import io.vertx.core.MultiMap;

/** What a provider says is left of its own rate limits (-1 when it did not say, or said nonsense like Azure's -1). */
public record RemainingLimits(long tokens, long requests) {
  public static final RemainingLimits UNKNOWN = new RemainingLimits(-1, -1);

  public boolean known() {
    return tokens >= 0 || requests >= 0;
  }

  /** Whether the provider has less left than the budget store believed: only then is it worth telling the store. */
  public boolean tighterThan(long believedTokensLeft, long believedRequestsLeft) {
    return (tokens >= 0 && tokens < believedTokensLeft) || (requests >= 0 && requests < believedRequestsLeft);
  }

  public static RemainingLimits from(MultiMap headers, String tokensHeader, String requestsHeader) {
    return new RemainingLimits(number(headers.get(tokensHeader)), number(headers.get(requestsHeader)));
  }

  private static long number(String value) {
    if (value == null) {
      return -1;
    }
    try {
      return Math.max(-1, Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
