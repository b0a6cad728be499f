package dev.modelmux.config;

import java.util.List;

/**
 * What a client names in "model": ordered tiers, each a list of interchangeable deployment ids.
 *
 * @param order TIERS tries tiers in order; COST tries the cheapest deployment whose window fits first
 * @param degrade false keeps the route on its first tier (requests that need the strongest model)
 * @param maxWaitMs how long a request may wait for capacity when every candidate is at its limit
 * @param hedgeAfterMs start the next candidate too when the first token is later than this (0: never hedge;
 *     {@link #HEDGE_AUTO}: after the deployment's recent p95 time to first token)
 * @param failoverOnContentFilter whether a content-policy refusal tries the next candidate (off: the refusal is the answer)
 * @param continueOnFailure a text stream that breaks mid-answer is continued on the next candidate, seamlessly (on by
 *     default; where a continuation cannot be faithful it is off whatever this says: see ContinuationRules)
 */
public record RouteConfig(String name, List<List<String>> tiers, Order order, boolean degrade, long maxWaitMs, long hedgeAfterMs,
    boolean failoverOnContentFilter, boolean continueOnFailure, String secretGuard) {
  public static final long HEDGE_AUTO = -1;
  /** What {@code guard.secrets} may say: scan nothing, replace secrets with placeholders, or refuse the request. */
  public static final List<String> SECRET_GUARDS = List.of("off", "redact", "block");

  public enum Order { TIERS, COST }

  public static RouteConfig tiersOnly(String name, List<List<String>> tiers) {
    return new RouteConfig(name, tiers, Order.TIERS, true, 0, 0, false, true, "off");
  }
}
