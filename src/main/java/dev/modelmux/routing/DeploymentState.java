package dev.modelmux.routing;

import dev.modelmux.budget.Headroom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** What routing has recently learnt about one deployment: its headroom, its time to first token, its load. */
public final class DeploymentState {
  private static final double EWMA_WEIGHT = 0.2;
  private static final int RECENT = 64;
  /** Hedge delay for "auto" before a deployment has answered anything. */
  private static final long DEFAULT_P95_MS = 2_000;

  private volatile Headroom headroom;
  /** The weighted time to first token, as the bits of a double: both event loops update it without a lock. */
  private final AtomicLong ttftBits = new AtomicLong(Double.doubleToRawLongBits(0));
  private final AtomicInteger inFlight = new AtomicInteger();
  /** A ring of the last times to first token, each plus one: 0 marks a slot not written yet. */
  private final AtomicLongArray recentTtft = new AtomicLongArray(RECENT);
  private final AtomicInteger recorded = new AtomicInteger();

  /** The last headroom a reservation saw, or null before the first. */
  public Headroom headroom() {
    return headroom;
  }

  public void headroom(Headroom latest) {
    this.headroom = latest;
  }

  /** Exponentially weighted time to first token; 0 until measured. */
  public double ttftMs() {
    return Double.longBitsToDouble(ttftBits.get());
  }

  public void recordTtft(long ms) {
    long sample = Math.max(0, ms);
    ttftBits.getAndUpdate(bits -> {
      double ttft = Double.longBitsToDouble(bits);
      return Double.doubleToRawLongBits(ttft == 0 ? sample : ttft + EWMA_WEIGHT * (sample - ttft));
    });
    recentTtft.set(Math.floorMod(recorded.getAndIncrement(), RECENT), sample + 1);
  }

  /** The 95th percentile of the last 64 times to first token (a default before any was measured). */
  public long ttftP95Ms() {
    long[] sorted = new long[RECENT];
    int n = 0;
    for (int i = 0; i < RECENT; i++) {
      long slot = recentTtft.get(i);
      if (slot != 0) {
        sorted[n++] = slot - 1;
      }
    }
    if (n == 0) {
      return DEFAULT_P95_MS;
    }
    Arrays.sort(sorted, 0, n);
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
