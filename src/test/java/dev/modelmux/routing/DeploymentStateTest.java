package dev.modelmux.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Times to first token, recorded by both event loops without a lock: the weighted mean and the p95 of the last 64. */
class DeploymentStateTest {
  @Test
  void theP95IsOverTheLast64AndTheMeanIsWeighted() {
    DeploymentState state = new DeploymentState();
    assertThat(state.ttftP95Ms()).as("before any").isEqualTo(2_000);
    assertThat(state.ttftMs()).isZero();
    state.recordTtft(100);
    state.recordTtft(200);
    assertThat(state.ttftMs()).isEqualTo(100 + 0.2 * (200 - 100));
    assertThat(state.ttftP95Ms()).isEqualTo(200);
    for (int ms = 1; ms <= 100; ms++) {
      state.recordTtft(ms);
    }
    // the last 64 are 37..100; the 95th percentile is the 61st of them (ceil(0.95 * 64))
    assertThat(state.ttftP95Ms()).isEqualTo(97);
    for (int i = 0; i < 64; i++) {
      state.recordTtft(0);
    }
    assertThat(state.ttftP95Ms()).as("zero samples count; the p95 is at least 1").isEqualTo(1);
  }

  @Test
  void twoThreadsRecordingAtOnceKeepEverySampleInRange() throws Exception {
    DeploymentState state = new DeploymentState();
    AtomicInteger outOfRange = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> both = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      long base = t == 0 ? 10 : 20;
      Thread th = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 50_000; i++) {
          state.recordTtft(base + i % 5);
          long p95 = state.ttftP95Ms();
          if (p95 < 10 || p95 > 24) {
            outOfRange.incrementAndGet();
          }
        }
      });
      th.start();
      both.add(th);
    }
    start.countDown();
    for (Thread th : both) {
      th.join(30_000);
    }
    assertThat(outOfRange.get()).isZero();
    assertThat(state.ttftMs()).isBetween(10.0, 24.0);
    assertThat(state.ttftP95Ms()).isBetween(10L, 24L);
  }

  @Test
  void theP99sOfTimesToFirstTokenAndLongestGapsAreKeptApartAndUnknownBeforeAny() {
    DeploymentState state = new DeploymentState();
    assertThat(state.ttftP99Ms()).isEqualTo(-1);
    assertThat(state.gapP99Ms()).isEqualTo(-1);
    for (int ms = 1; ms <= 100; ms++) {
      state.recordStreamedTtft(ms);
      state.recordLongestGap(ms * 10);
    }
    // the last 64 are 37..100; the 99th percentile is the 64th of them (ceil(0.99 * 64))
    assertThat(state.ttftP99Ms()).isEqualTo(100);
    assertThat(state.gapP99Ms()).isEqualTo(1_000);
    state.recordTtft(10_000);
    assertThat(state.ttftP99Ms()).as("an attempt that may not be streamed teaches no first-token deadline").isEqualTo(100);
    state.backOffFirstToken(20_000);
    assertThat(state.ttftP99Ms()).as("nor does a cut").isEqualTo(100);
  }
}
