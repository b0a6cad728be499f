package dev.modelmux.budget;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The leases one {@link Allowance} holds on a deployment, open or not yet out of the window (so a Redis that lost the
 * window can be given them back): which one a reservation spends from, what they hold unspent, when they close and
 * when they are forgotten. Guarded by the allowance's lock.
 */
final class Leases implements Iterable<Lease> {
  private final List<Lease> leases = new ArrayList<>();

  @Override
  public Iterator<Lease> iterator() {
    return leases.iterator();
  }

  void add(Lease lease) {
    leases.add(lease);
  }

  int size() {
    return leases.size();
  }

  Lease find(String id) {
    for (Lease l : leases) {
      if (l.id.equals(id)) {
        return l;
      }
    }
    return null;
  }

  /** The open lease that ends first and still fits {@code tokens} and one request, or null. */
  Lease firstToFit(long tokens, long nowNanos) {
    Lease chosen = null;
    for (Lease l : leases) {
      if (l.spendable(nowNanos) && l.fits(tokens) && (chosen == null || l.spendUntilNanos - chosen.spendUntilNanos < 0)) {
        chosen = l;
      }
    }
    return chosen;
  }

  /**
   * The open lease new demand grows: the one that ends last, among those with more than {@code usefulNanos} left;
   * null when there is none.
   */
  Lease current(long nowNanos, long usefulNanos) {
    Lease best = null;
    for (Lease l : leases) {
      boolean useful = l.spendable(nowNanos) && l.spendUntilNanos - nowNanos > usefulNanos;
      if (useful && (best == null || l.spendUntilNanos - best.spendUntilNanos > 0)) {
        best = l;
      }
    }
    return best;
  }

  /** Unspent tokens of the leases that may still be spent from. */
  long heldTokens(long nowNanos) {
    long held = 0;
    for (Lease l : leases) {
      held += l.spendable(nowNanos) ? l.unspentTokens() : 0;
    }
    return held;
  }

  long heldRequests(long nowNanos) {
    long held = 0;
    for (Lease l : leases) {
      held += l.spendable(nowNanos) ? l.unspentRequests() : 0;
    }
    return held;
  }

  /** What the open leases were granted, tokens then requests. */
  long[] openGranted() {
    long tokens = 0;
    long requests = 0;
    for (Lease l : leases) {
      if (l.open) {
        tokens += l.tokens;
        requests += l.requests;
      }
    }
    return new long[] {tokens, requests};
  }

  /** Closes the leases that can no longer be spent from and, when {@code idle}, those that still hold something. */
  void closeExpired(long nowNanos, boolean idle) {
    for (Lease l : leases) {
      if (l.open && (!l.spendable(nowNanos) || (idle && l.unspentTokens() + l.unspentRequests() > 0))) {
        l.open = false;
      }
    }
  }

  boolean anyToClose() {
    for (Lease l : leases) {
      if (needsClose(l)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A closed lease gives back what it did not spend at once; corrections from requests still in flight on it go in
   * one call when the last of them ends.
   */
  static boolean needsClose(Lease l) {
    return !l.open && !l.synced() && (l.inFlight == 0 || l.bookedRequests != l.dueRequests());
  }

  /** Forgets the closed leases with nothing in flight that ended more than {@code keepNanos} ago. */
  void forgetAgedOut(long nowNanos, long keepNanos) {
    leases.removeIf(l -> !l.open && l.inFlight == 0 && l.synced() && nowNanos - l.spendUntilNanos > keepNanos);
  }
}
