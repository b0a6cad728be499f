package dev.modelmux.budget;

import java.util.Arrays;

/**
 * One deployment's window in a {@link LocalBudgetStore}: a ring of one-second slots; {@code slotSec[i]} says which second
 * slot {@code i} currently holds. {@code tokens} and {@code requests} are what the store granted itself; {@code mirror*}
 * the shared window as Redis last reported it. Guarded by the store, which locks on the window.
 */
final class LocalWindow {
  final int n;
  final long[] slotSec;
  final long[] tokens;
  final long[] requests;
  final long[] mirrorTokens;
  final long[] mirrorRequests;
  /** Tokens Redis holds for reservations of this store that settled for less after they were written back. */
  final long[] owedTokens;
  long pausedUntil;
  /** The tokens-per-minute limit of the last grant (scaled by the share): what freed budget is measured against. */
  long tpm;

  LocalWindow(int n) {
    this.n = n;
    this.slotSec = new long[n];
    Arrays.fill(slotSec, Long.MIN_VALUE);
    this.tokens = new long[n];
    this.requests = new long[n];
    this.mirrorTokens = new long[n];
    this.mirrorRequests = new long[n];
    this.owedTokens = new long[n];
  }

  boolean live(long sec, long nowSec) {
    return sec > nowSec - n && sec <= nowSec;
  }

  long sum(long[] values, long nowSec) {
    long total = 0;
    for (int i = 0; i < n; i++) {
      if (live(slotSec[i], nowSec)) {
        total += values[i];
      }
    }
    return total;
  }

  /** Own grants plus the share of the mirrored shared usage that falls to this replica. */
  long used(long[] own, long[] mirror, double share, long nowSec) {
    long o = 0;
    long m = 0;
    for (int i = 0; i < n; i++) {
      if (live(slotSec[i], nowSec)) {
        o += own[i];
        m += mirror[i];
      }
    }
    return o + (m == 0 ? 0 : (long) Math.ceil(m * share));
  }

  /** The index of {@code nowSec}'s slot, recycling the stale second it held. */
  int slotFor(long nowSec) {
    int i = (int) Math.floorMod(nowSec, (long) n);
    if (slotSec[i] != nowSec) {
      slotSec[i] = nowSec;
      tokens[i] = 0;
      requests[i] = 0;
      mirrorTokens[i] = 0;
      mirrorRequests[i] = 0;
      owedTokens[i] = 0;
    }
    return i;
  }

  void mirror(long[] mirror, long nowSec, long reported) {
    long diff = reported - sum(mirror, nowSec);
    if (diff > 0) {
      mirror[slotFor(nowSec)] += diff;
      return;
    }
    for (long sec = nowSec; diff < 0 && sec > nowSec - n; sec--) {
      int i = (int) Math.floorMod(sec, (long) n);
      if (slotSec[i] == sec) {
        long take = Math.min(mirror[i], -diff);
        mirror[i] -= take;
        diff += take;
      }
    }
  }

  /** Milliseconds until the oldest slots leaving the window have freed at least {@code need}. */
  long waitToFree(long[] own, long[] mirror, double share, long need, long now) {
    long nowSec = Math.floorDiv(now, 1000);
    double freed = 0;
    for (long sec = nowSec - n + 1; sec <= nowSec; sec++) {
      int i = (int) Math.floorMod(sec, (long) n);
      if (slotSec[i] == sec) {
        freed += own[i] + mirror[i] * share;
        if (freed >= need) {
          return Math.max(1, (sec + n) * 1000 - now);
        }
      }
    }
    return Math.max(1, (nowSec + n) * 1000 - now); // cannot happen when need <= used; be safe
  }
}
