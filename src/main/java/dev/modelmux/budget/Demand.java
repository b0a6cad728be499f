package dev.modelmux.budget;

/**
 * What one replica was asked for on one deployment, per second over the last {@value #SECONDS} seconds, and what that
 * rate comes to over the time a lease is spent: the size the next lease is asked for. Guarded by its {@link Allowance}.
 */
final class Demand {
  private static final int SECONDS = 10;

  private final long leaseSeconds;
  /** Tokens and requests asked per second (a ring by second). */
  private final long[] askedTokens = new long[SECONDS];
  private final long[] askedRequests = new long[SECONDS];
  private final long[] askedSecond = new long[SECONDS];

  Demand(long leaseSeconds) {
    this.leaseSeconds = leaseSeconds;
  }

  /** One reservation of {@code tokens} was asked for. */
  void note(long tokens, long nowNanos) {
    long sec = Math.floorDiv(nowNanos, 1_000_000_000L);
    int i = (int) Math.floorMod(sec, (long) SECONDS);
    if (askedSecond[i] != sec) {
      askedSecond[i] = sec;
      askedTokens[i] = 0;
      askedRequests[i] = 0;
    }
    askedTokens[i] += tokens;
    askedRequests[i] += 1;
  }

  long tokens(long nowNanos) {
    return perLease(askedTokens, nowNanos);
  }

  long requests(long nowNanos) {
    return perLease(askedRequests, nowNanos);
  }

  /** The recent rate (the last {@value #SECONDS} s, this one included) times the seconds a lease is spent. */
  private long perLease(long[] asked, long nowNanos) {
    long sec = Math.floorDiv(nowNanos, 1_000_000_000L);
    long total = 0;
    for (int i = 0; i < SECONDS; i++) {
      if (askedSecond[i] > sec - SECONDS) {
        total += asked[i];
      }
    }
    return (long) Math.ceil((double) total * (leaseSeconds - 1) / SECONDS);
  }
}
