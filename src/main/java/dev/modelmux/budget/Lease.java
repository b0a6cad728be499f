package dev.modelmux.budget;

/**
 * Capacity one replica leased from a deployment's shared window. Redis booked {@link #tokens} and {@link #requests}
 * when it granted them; requests spend from it in memory until {@link #spendUntilNanos}; then it is closed at what was
 * spent, and the rest goes back. Kept until it has left the window, so a Redis that lost the window can be given it
 * back. Guarded by its {@link Allowance}.
 */
final class Lease {
  final String id;
  /** The Redis second it is booked at. */
  long slot;
  /** What Redis granted (open) or what it was closed at (closed). */
  long tokens;
  long requests;
  /** What requests took from it: reserved tokens, corrected as each settles. */
  long spentTokens;
  long spentRequests;
  int inFlight;
  final long spendUntilNanos;
  boolean open = true;
  /** The totals Redis holds for it, as last confirmed. */
  long bookedTokens;
  long bookedRequests;

  Lease(String id, long slot, long tokens, long requests, long spendUntilNanos) {
    this.id = id;
    this.slot = slot;
    this.tokens = tokens;
    this.requests = requests;
    this.bookedTokens = tokens;
    this.bookedRequests = requests;
    this.spendUntilNanos = spendUntilNanos;
  }

  boolean spendable(long nowNanos) {
    return open && nowNanos - spendUntilNanos < 0;
  }

  long unspentTokens() {
    return open ? Math.max(0, tokens - spentTokens) : 0;
  }

  long unspentRequests() {
    return open ? Math.max(0, requests - spentRequests) : 0;
  }

  boolean fits(long needTokens) {
    return tokens - spentTokens >= needTokens && requests - spentRequests >= 1;
  }

  /** What Redis must hold for it now: everything granted while open, what was spent once closed. */
  long dueTokens() {
    return open ? tokens : spentTokens;
  }

  long dueRequests() {
    return open ? requests : spentRequests;
  }

  boolean synced() {
    return bookedTokens == dueTokens() && bookedRequests == dueRequests();
  }
}
