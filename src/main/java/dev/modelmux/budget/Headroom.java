package dev.modelmux.budget;

/**
 * What one deployment has left in the current window, as the budget store sees it.
 *
 * @param pausedForMs how long the deployment is paused for (a provider 429's retry-after), 0 when not paused
 */
public record Headroom(long tokensUsed, long requestsUsed, long tpm, long rpm, long pausedForMs) {
  public long tokensLeft() {
    return Math.max(0, tpm - tokensUsed);
  }

  public long requestsLeft() {
    return Math.max(0, rpm - requestsUsed);
  }

  /** Fraction of the tighter of the two limits still free, 0..1. */
  public double freeFraction() {
    if (pausedForMs > 0) {
      return 0;
    }
    return Math.min((double) tokensLeft() / Math.max(1, tpm), (double) requestsLeft() / Math.max(1, rpm));
  }
}
