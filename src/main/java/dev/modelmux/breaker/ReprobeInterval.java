package dev.modelmux.breaker;

import io.github.resilience4j.core.IntervalFunction;

/**
 * How long one deployment's open breaker waits before its next probe: the first interval doubled per failed probe,
 * capped, drawn within ±{@value #JITTER}. It counts the openings in a row itself, following on from the attempt another
 * replica reported, so a deployment failing everywhere keeps backing off; resilience4j's own count is not used (it
 * knows nothing of the other replicas, and counts a half-open that timed out without a probe as a failed one). {@link #apply} changes nothing it reads: resilience4j may call it
 * again when two threads open the breaker at once, and gets the same interval for the same attempt; the opening that
 * took effect is recorded by {@link #opened}, from the breaker's listener, so the shared pause lasts as long as it.
 */
final class ReprobeInterval implements IntervalFunction {
  static final double JITTER = 0.2;

  /** The capped doubling; the jitter is drawn around it after the cap, so replicas at the cap do not probe in step either. */
  private final IntervalFunction backoff;
  /** The latest interval drawn, for the attempt it counted as: asked again for that attempt, apply answers the same. */
  private volatile Drawn drawn = new Drawn(0, 0);
  private volatile Drawn last = new Drawn(0, 0);
  /** The latest opening's attempt since the last close, here or on another replica: the next one follows on from it. */
  private volatile int floor;

  private record Drawn(int attempt, long ms) {}

  ReprobeInterval(long firstMs, long maxMs) {
    this.backoff = IntervalFunction.ofExponentialBackoff(firstMs, 2.0, maxMs);
  }

  @Override
  public Long apply(Integer resilience4jAttempt) {
    int effective = floor + 1;
    Drawn before = drawn;
    if (before.attempt() == effective) {
      return before.ms();
    }
    Drawn now = new Drawn(effective, IntervalFunction.ofRandomized(backoff.apply(effective), JITTER).apply(1));
    drawn = now;
    return now.ms();
  }

  /** The breaker opened with the interval drawn last: the next opening follows on from its attempt. */
  void opened() {
    Drawn now = drawn;
    last = now;
    floor = Math.max(floor, now.attempt());
    drawn = new Drawn(0, 0);
  }

  /** The interval drawn for the breaker's latest opening. */
  long lastMs() {
    return last.ms();
  }

  /** The attempt the latest opening counted as. */
  int lastAttempt() {
    return last.attempt();
  }

  /** Another replica's breaker opened for its {@code attempt}th time in a row: the next opening here follows on. */
  void heard(int attempt) {
    floor = Math.max(floor, attempt);
    drawn = new Drawn(0, 0);
  }

  /** A probe succeeded (here or elsewhere): the next opening is a first one again. */
  void reset() {
    floor = 0;
    drawn = new Drawn(0, 0);
  }
}
