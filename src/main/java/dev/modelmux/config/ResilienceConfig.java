package dev.modelmux.config;

/**
 * How deployments are protected from each other's failures.
 *
 * @param breakerFailures provider failures in a row that open a deployment's breaker
 * @param breakerResetMs how long an open breaker (and the shared pause that goes with it) lasts before its first probe;
 *     each probe that fails doubles it, up to {@code breakerResetMaxMs}, and a probe that succeeds starts it over (every
 *     interval drawn within ±20 %)
 * @param breakerResetMaxMs the longest an open breaker waits between probes, however many have failed (at least
 *     {@code breakerResetMs})
 * @param retryBackoffMs base of the jittered wait before the one retry of a transient error on the same deployment
 * @param quotaPauseMs how long a deployment whose account is out of quota or credit is skipped by every replica
 * @param maxProviderPauseMs the longest pause a provider's retry-after may impose on a deployment (for every replica)
 * @param deadlines how first-token and idle deadlines that are not configured follow each deployment's latency
 */
public record ResilienceConfig(int breakerFailures, long breakerResetMs, long breakerResetMaxMs, long retryBackoffMs,
    long quotaPauseMs, long maxProviderPauseMs, DeadlineLearning deadlines) {
  public static final ResilienceConfig DEFAULT = new ResilienceConfig(5, 1_000, 15_000, 100, 600_000, 60_000, DeadlineLearning.DEFAULT);

  public ResilienceConfig {
    if (breakerResetMaxMs < breakerResetMs) {
      throw new IllegalArgumentException("breakerResetMaxMs " + breakerResetMaxMs + " is below breakerResetMs " + breakerResetMs);
    }
  }

  /** With the default deadline learning. */
  public ResilienceConfig(int breakerFailures, long breakerResetMs, long breakerResetMaxMs, long retryBackoffMs, long quotaPauseMs,
      long maxProviderPauseMs) {
    this(breakerFailures, breakerResetMs, breakerResetMaxMs, retryBackoffMs, quotaPauseMs, maxProviderPauseMs, DeadlineLearning.DEFAULT);
  }
}
