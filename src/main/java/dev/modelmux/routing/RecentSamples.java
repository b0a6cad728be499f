package dev.modelmux.routing;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/** The last 64 samples of one latency, written by both event loops without a lock, and their percentiles. */
final class RecentSamples {
  private static final int RECENT = 64;

  /** Each sample plus one: 0 marks a slot not written yet. */
  private final AtomicLongArray ring = new AtomicLongArray(RECENT);
  private final AtomicInteger recorded = new AtomicInteger();

  void record(long sample) {
    ring.set(Math.floorMod(recorded.getAndIncrement(), RECENT), Math.max(0, sample) + 1);
  }

  /** The {@code quantile} (0.95, 0.99) of the recent samples, at least 1; -1 before any. */
  long percentile(double quantile) {
    long[] sorted = new long[RECENT];
    int n = 0;
    for (int i = 0; i < RECENT; i++) {
      long slot = ring.get(i);
      if (slot != 0) {
        sorted[n++] = slot - 1;
      }
    }
    if (n == 0) {
      return -1;
    }
    Arrays.sort(sorted, 0, n);
    return Math.max(1, sorted[(int) Math.ceil(quantile * n) - 1]);
  }
}
