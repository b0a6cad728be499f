package dev.modelmux.routing;

import dev.modelmux.budget.Headroom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/** What routing has recently learnt about one deployment: its headroom, its time to first token, its load. */
public final class DeploymentState {
  private static final double EWMA_WEIGHT = 0.2;
  private static final int RECENT = 64;
  /** Hedge delay for "auto" before a deployment has answered anything. */
  private static final long DEFAULT_P95_MS = 2_000;

  private volatile Headroom headroom;
  private volatile double ttftMs;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final long[] recentTtft = new long[RECENT];
  private int recorded;

  /** The last headroom a reservation saw, or null before the first. */
  public Headroom headroom() {
    return headroom;
  }

  public void headroom(Headroom latest) {
    this.headroom = latest;
  }

  /** Exponentially weighted time to first token; 0 until measured. */
  public double ttftMs() {
    return ttftMs;
  }

  public synchronized void recordTtft(long ms) {
    ttftMs = ttftMs == 0 ? ms : ttftMs + EWMA_WEIGHT * (ms - ttftMs);
    recentTtft[recorded++ % RECENT] = ms;
  }

  /** The 95th percentile of the last 64 times to first token (a default before any was measured). */
  public synchronized long ttftP95Ms() {
    int n = Math.min(recorded, RECENT);
    if (n == 0) {
      return DEFAULT_P95_MS;
    }
    long[] sorted = Arrays.copyOf(recentTtft, n);
    Arrays.sort(sorted);
    return Math.max(1, sorted[(int) Math.ceil(0.95 * n) - 1]);
  }

  public int inFlight() {
    return inFlight.get();
  }

  public void started() {
    inFlight.incrementAndGet();
  }

  public void finished() {
    inFlight.decrementAndGet();
  }
}
