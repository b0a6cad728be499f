package dev.modelmux.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** Percentiles of the last 64 samples, sorted again only after a sample was recorded: reading between samples is free. */
class RecentSamplesTest {
  @Test
  void percentilesFollowEachNewSample() {
    RecentSamples samples = new RecentSamples();
    assertThat(samples.percentile(0.99)).isEqualTo(-1);
    samples.record(300);
    assertThat(samples.percentile(0.99)).isEqualTo(300);
    samples.record(900);
    assertThat(samples.percentile(0.99)).isEqualTo(900);
    assertThat(samples.percentile(0.5)).isEqualTo(300);
    for (int i = 0; i < 64; i++) {
      samples.record(10);
    }
    assertThat(samples.percentile(0.99)).as("the older samples left the ring").isEqualTo(10);
  }

  @Test
  void readingWithoutNewSamplesAllocatesNothing() {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    RecentSamples samples = new RecentSamples();
    for (int i = 0; i < 64; i++) {
      samples.record(i);
    }
    long sum = 0;
    for (int i = 0; i < 20_000; i++) { // warm: the JIT's own allocations before measuring
      sum += samples.percentile(0.99) + samples.percentile(0.95);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 20_000; i++) {
      sum += samples.percentile(0.99) + samples.percentile(0.95);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(sum).isPositive();
    assertThat(allocated).as("bytes allocated by 40,000 reads (a sorted copy each would be over 20 MB)").isLessThan(1_000_000);
  }
}
