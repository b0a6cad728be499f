package dev.modelmux.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The helper itself: a busy process confined to 10 ms per 100 ms is throttled, and the cgroup is gone after close. */
class CpuQuotaTest {

  @Test
  void aConfinedBusyProcessIsThrottledToItsQuotaAndTheCgroupIsRemovedOnClose() throws Exception {
    Assumptions.assumeTrue(CpuQuota.available(), () -> "no writable cgroup CPU controller: "
        + CpuQuota.unavailableReason().orElse(""));
    Process busy = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
    try {
      Path dir;
      try (CpuQuota quota = CpuQuota.confine(busy.pid(), 10_000)) {
        dir = quota.path();
        assertThat(Files.readString(dir.resolve("cgroup.procs"))).contains(String.valueOf(busy.pid()));
        Duration before = cpu(busy);
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
        while (quota.throttledPeriods() < 10) {
          assertThat(System.nanoTime()).as("throttled within 10 s").isLessThan(deadline);
          busy.waitFor(50, TimeUnit.MILLISECONDS);
        }
        busy.waitFor(1, TimeUnit.SECONDS);
        long wallMs = (System.nanoTime() - t0) / 1_000_000;
        long cpuMs = cpu(busy).minus(before).toMillis();
        // 10 % of the wall time, plus a tick's rounding; an unconfined busy loop would take most of a core.
        assertThat(cpuMs).as("CPU ms used in %d ms of wall time", wallMs).isLessThanOrEqualTo(wallMs * 3 / 10 + 20);
      }
      assertThat(dir).doesNotExist();
      assertThat(busy.isAlive()).as("the process outlives its cgroup").isTrue();
    } finally {
      busy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Duration cpu(Process p) {
    return p.toHandle().info().totalCpuDuration().orElseThrow();
  }
}
