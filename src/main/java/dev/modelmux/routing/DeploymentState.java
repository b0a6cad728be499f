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
  /** Every attempt's last times to first token, from its start: what "auto" hedging waits for. */
  private final RecentSamples recentTtft = new RecentSamples();
  /** Streamed attempts' last times to first token, from when the request was sent: what first-token deadlines follow. */
  private final RecentSamples streamedTtft = new RecentSamples();
  /** Per streamed attempt that ended, its longest gap between events once the answer flowed. */
  private final RecentSamples recentGaps = new RecentSamples();
  /** The first-token and idle deadlines a cut asked for (twice the one that expired), 0 when none since. */
  private final AtomicLong firstTokenBackoffMs = new AtomicLong();
  private final AtomicLong idleBackoffMs = new AtomicLong();

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

  /** An attempt, streamed or not, had its first content {@code ms} after it started. */
  public void recordTtft(long ms) {
    long sample = Math.max(0, ms);
    ttftBits.getAndUpdate(bits -> {
      double ttft = Double.longBitsToDouble(bits);
      return Double.doubleToRawLongBits(ttft == 0 ? sample : ttft + EWMA_WEIGHT * (sample - ttft));
    });
    recentTtft.record(sample);
  }

  /** A streamed attempt's first token came {@code ms} after its request was sent: a cut's back-off is over. */
  public void recordStreamedTtft(long ms) {
    streamedTtft.record(ms);
    firstTokenBackoffMs.set(0);
  }

  /** A first-token deadline expired: the next ones are at least {@code ms}, until a first token comes in time. */
  public void backOffFirstToken(long ms) {
    firstTokenBackoffMs.accumulateAndGet(ms, Math::max);
  }

  /** What the last first-token cuts asked for, 0 when a first token came since. */
  public long firstTokenBackoffMs() {
    return firstTokenBackoffMs.get();
  }

  /** A streamed attempt ended; the longest gap between its events once the answer flowed was {@code ms}. */
  public void recordLongestGap(long ms) {
    recentGaps.record(ms);
  }

  /** A stream was answered to its end: an idle cut's back-off is over. */
  public void streamCompleted() {
    idleBackoffMs.set(0);
  }

  /** An idle deadline expired: the next ones are at least {@code ms}, until a stream is answered to its end. */
  public void backOffIdle(long ms) {
    idleBackoffMs.accumulateAndGet(ms, Math::max);
  }

  /** What the last idle cuts asked for, 0 when a stream completed since. */
  public long idleBackoffMs() {
    return idleBackoffMs.get();
  }

  /** The 95th percentile of the last 64 times to first token (a default before any was measured). */
  public long ttftP95Ms() {
    long p95 = recentTtft.percentile(0.95);
    return p95 < 0 ? DEFAULT_P95_MS : p95;
  }

  /** The 99th percentile of the last 64 streamed attempts' times to first token, -1 before any. */
  public long ttftP99Ms() {
    return streamedTtft.percentile(0.99);
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
