package dev.modelmux.routing;

import dev.modelmux.budget.Headroom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What routing has recently learnt about one deployment: its headroom, its time to first token, the longest gap in
 * its streams, its load.
 */
public final class DeploymentState {
  private static final double EWMA_WEIGHT = 0.2;
  /** Hedge delay for "auto" before a deployment has answered anything. */
  private static final long DEFAULT_P95_MS = 2_000;

  private volatile Headroom headroom;
  /** The weighted time to first token, as the bits of a double: both event loops update it without a lock. */
  private final AtomicLong ttftBits = new AtomicLong(Double.doubleToRawLongBits(0));
  private final AtomicInteger inFlight = new AtomicInteger();
  /** The last times to first token, and first-token deadlines that expired (a censored sample: at least that long). */
  private final RecentSamples recentTtft = new RecentSamples();
  /** Per streamed attempt that ended, its longest gap between events once the answer flowed. */
  private final RecentSamples recentGaps = new RecentSamples();

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
    recentTtft.record(sample);
  }

  /** A first-token deadline of {@code deadlineMs} expired: the time to first token was at least that. */
  public void recordTtftCensored(long deadlineMs) {
    recentTtft.record(deadlineMs);
  }

  /** A streamed attempt ended; the longest gap between its events once the answer flowed was {@code ms}. */
  public void recordLongestGap(long ms) {
    recentGaps.record(ms);
  }

  /** The 95th percentile of the last 64 times to first token (a default before any was measured). */
  public long ttftP95Ms() {
    long p95 = recentTtft.percentile(0.95);
    return p95 < 0 ? DEFAULT_P95_MS : p95;
  }

  /** The 99th percentile of the last 64 times to first token (censored ones included), -1 before any. */
  public long ttftP99Ms() {
    return recentTtft.percentile(0.99);
  }

  /** The 99th percentile of the last 64 streams' longest gaps, -1 before any. */
  public long gapP99Ms() {
    return recentGaps.percentile(0.99);
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
