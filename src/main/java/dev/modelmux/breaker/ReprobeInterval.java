package dev.modelmux.breaker;

import io.github.resilience4j.core.IntervalFunction;

/**
 * How long one deployment's open breaker waits before its next probe (resilience4j asks with the opening's attempt
 * number: 1 for the first opening after a close, one more for each probe that failed): the first interval doubled per
 * failed probe, capped, drawn within ±{@value #JITTER}. It remembers what it drew last, so the shared pause lasts as long
 * as this opening does, and the attempt another replica reported, so a deployment failing everywhere keeps backing off.
 */
final class ReprobeInterval implements IntervalFunction {
  static final double JITTER = 0.2;

  /** The capped doubling; the jitter is drawn around it after the cap, so replicas at the cap do not probe in step either. */
  private final IntervalFunction backoff;
  private volatile long lastMs;
  private volatile int lastAttempt;
  /** The latest opening's attempt since the last close, here or on another replica: the next one follows on from it. */
  private volatile int floor;

  ReprobeInterval(long firstMs, long maxMs) {
    this.backoff = IntervalFunction.ofExponentialBackoff(firstMs, 2.0, maxMs);
  }

  @Override
  public Long apply(Integer attempt) {
    int effective = Math.max(attempt, floor + 1);
    floor = effective;
    long ms = IntervalFunction.ofRandomized(backoff.apply(effective), JITTER).apply(1);
    lastAttempt = effective;
    lastMs = ms;
    return ms;
  }

  /** The interval drawn for the breaker's latest opening. */
  long lastMs() {
    return lastMs;
  }

  /** The attempt the latest opening counted as. */
  int lastAttempt() {
    return lastAttempt;
  }

  /** Another replica's breaker opened for its {@code attempt}th time in a row: the next opening here follows on. */
  void heard(int attempt) {
    floor = Math.max(floor, attempt);
  }

  /** A probe succeeded (here or elsewhere): the next opening is a first one again. */
  void reset() {
    floor = 0;
  }
}
