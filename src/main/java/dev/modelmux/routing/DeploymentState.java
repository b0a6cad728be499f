package dev.modelmux.routing;

import dev.modelmux.budget.Headroom;
import java.util.concurrent.atomic.AtomicInteger;

/** What routing has recently learnt about one deployment: its headroom, its time to first token, its load. */
public final class DeploymentState {
  private static final double EWMA_WEIGHT = 0.2;

  private volatile Headroom headroom;
  private volatile double ttftMs;
  private final AtomicInteger inFlight = new AtomicInteger();

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
