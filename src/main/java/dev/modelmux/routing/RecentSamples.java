package dev.modelmux.routing;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The last 64 samples of one latency, written by both event loops without a lock, and their percentiles. The samples
 * are sorted again only when one was recorded since the last look: reading is free between samples.
 */
final class RecentSamples {
  private static final int RECENT = 64;

  /** Each sample plus one: 0 marks a slot not written yet. */
  private final AtomicLongArray ring = new AtomicLongArray(RECENT);
  private final AtomicInteger recorded = new AtomicInteger();
  /** Counts samples whose slot is written: a sorted copy taken at version v holds at least the first v of them. */
  private final AtomicInteger written = new AtomicInteger();
  private volatile Sorted sorted = new Sorted(0, new long[0]);

  private record Sorted(int version, long[] samples) {
  }

  void record(long sample) {
    ring.set(Math.floorMod(recorded.getAndIncrement(), RECENT), Math.max(0, sample) + 1);
    written.incrementAndGet();
  }

  /** The {@code quantile} (0.95, 0.99) of the recent samples, at least 1; -1 before any. */
  long percentile(double quantile) {
    long[] samples = current().samples();
    if (samples.length == 0) {
      return -1;
    }
    return Math.max(1, samples[(int) Math.ceil(quantile * samples.length) - 1]);
  }

  private Sorted current() {
    Sorted last = sorted;
    int version = written.get();
    if (last.version() == version) {
      return last;
    }
    long[] samples = new long[RECENT];
    int n = 0;
    for (int i = 0; i < RECENT; i++) {
      long slot = ring.get(i);
      if (slot != 0) {
        samples[n++] = slot - 1;
      }
    }
    Arrays.sort(samples, 0, n);
    Sorted fresh = new Sorted(version, Arrays.copyOf(samples, n));
    sorted = fresh;
    return fresh;
  }
}
