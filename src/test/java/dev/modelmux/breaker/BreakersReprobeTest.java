package dev.modelmux.breaker;

import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.breaker.Breakers.State;
import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An open breaker re-probes after an interval that doubles with each failed probe up to its cap and starts over once a
 * probe succeeds; the shared pause lasts exactly the interval drawn. Other replicas hear each opening and close, and
 * their openings and closes apply here without being told back.
 */
class BreakersReprobeTest {
  private static final GatewayError DOWN = GatewayError.of(503, ErrorKind.OVERLOADED, "down");
  /** First 100 ms, doubling to a 400 ms cap; one failure opens. */
  private static final ResilienceConfig FAST = new ResilienceConfig(1, 100, 400, 0, 60_000, 60_000);

  private record Opened(long forMs, long atNanos) {}

  private final BlockingQueue<Opened> opened = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> told = new LinkedBlockingQueue<>();
  private Boolean claim = true;
  private final Breakers.Replicas replicas = new Breakers.Replicas() {
    @Override
    public Future<Boolean> claimProbe(String deploymentId) {
      told.add("claim " + deploymentId);
      return Future.succeededFuture(claim);
    }

    @Override
    public void opened(String deploymentId, long forMs, int attempt) {
      told.add("opened " + deploymentId + " " + attempt);
    }

    @Override
    public void closed(String deploymentId) {
      told.add("closed " + deploymentId);
    }

    @Override
    public void released(String deploymentId) {
      told.add("released " + deploymentId);
    }
  };
  private final Breakers breakers = new Breakers(List.of("d"), FAST, (id, ms) -> opened.add(new Opened(ms, System.nanoTime())),
      replicas);

  private Opened nextOpening() throws InterruptedException {
    Opened o = opened.poll(10, TimeUnit.SECONDS);
    assertThat(o).as("the breaker opened").isNotNull();
    return o;
  }

  /** Waits for half-open, and says how long after {@code since} it came. */
  private long halfOpenAfterMs(Opened since) {
    assertEventually(10, () -> assertThat(breakers.state("d")).isEqualTo(State.HALF_OPEN));
    return (System.nanoTime() - since.atNanos()) / 1_000_000;
  }

  @Test
  void eachFailedProbeDoublesTheWaitUpToTheCapAndASuccessfulOneStartsItOver() throws Exception {
    breakers.call("d").failed(DOWN);
    long[] nominal = {100, 200, 400, 400};
    for (int i = 0; i < nominal.length; i++) {
      Opened o = nextOpening();
      assertThat(o.forMs()).as("opening %d", i + 1).isBetween(nominal[i] * 8 / 10, nominal[i] * 12 / 10);
      assertThat(halfOpenAfterMs(o)).as("not probed before the interval drawn").isGreaterThanOrEqualTo(o.forMs() - 5);
      assertThat(told.poll()).isEqualTo("opened d " + (i + 1));
      Breakers.Call probe = breakers.call("d");
      assertThat(probe).isNotNull();
      if (i < nominal.length - 1) {
        probe.failed(DOWN);
      } else {
        probe.firstContent();
      }
    }
    assertThat(breakers.state("d")).isEqualTo(State.CLOSED);
    assertThat(told.poll()).isEqualTo("closed d");
    breakers.call("d").failed(DOWN);
    assertThat(nextOpening().forMs()).as("a success started it over").isBetween(80L, 120L);
  }

  @Test
  void aHalfOpenBreakerProbesOnlyWithTheReplicasClaim() throws Exception {
    assertThat(breakers.claimProbe("d").result()).isTrue();
    assertThat(told).as("a closed breaker asks nobody").isEmpty();
    breakers.call("d").failed(DOWN);
    halfOpenAfterMs(nextOpening());
    told.clear();
    claim = false;
    assertThat(breakers.claimProbe("d").result()).as("another replica probes").isFalse();
    claim = true;
    assertThat(breakers.claimProbe("d").result()).isTrue();
    assertThat(told).containsExactly("claim d", "claim d");
  }

  @Test
  void anotherReplicasOpeningOpensThisOneForAsLongAndItsCloseClosesIt() throws Exception {
    breakers.heardOpened("d", 300, 2);
    assertThat(breakers.state("d")).isEqualTo(State.OPEN);
    long start = System.nanoTime();
    assertEventually(10, () -> assertThat(breakers.state("d")).isEqualTo(State.HALF_OPEN));
    assertThat((System.nanoTime() - start) / 1_000_000).as("open for the interval the other replica drew").isGreaterThanOrEqualTo(290);
    assertThat(opened).as("the other replica paused it already").isEmpty();
    assertThat(told).as("nothing told back").isEmpty();

    breakers.call("d").failed(DOWN);
    Opened third = nextOpening();
    assertThat(third.forMs()).as("the third opening in a row, wherever the first two were").isBetween(320L, 480L);
    assertThat(told.poll()).isEqualTo("opened d 3");

    breakers.heardClosed("d");
    assertThat(breakers.state("d")).isEqualTo(State.CLOSED);
    assertThat(told).as("nothing told back").isEmpty();
    breakers.call("d").failed(DOWN);
    assertThat(nextOpening().forMs()).as("their success started it over").isBetween(80L, 120L);
  }

  @Test
  void aReplicaOpenedByAnotherKeepsCountingWithItsOwnFailedProbes() throws Exception {
    breakers.heardOpened("d", 100, 1);
    for (int attempt = 2; attempt <= 3; attempt++) {
      assertEventually(10, () -> assertThat(breakers.state("d")).isEqualTo(State.HALF_OPEN));
      breakers.call("d").failed(DOWN);
      nextOpening();
      assertThat(told.poll()).isEqualTo("opened d " + attempt);
    }
  }

  @Test
  void aHalfOpenThatTimesOutWithoutAProbePausesNobodyAndTellsNobody() throws Exception {
    Breakers idle = new Breakers(List.of("d"), FAST, (id, ms) -> opened.add(new Opened(ms, System.nanoTime())), replicas,
        Duration.ofMillis(100));
    idle.heardOpened("d", 100, 1); // then no traffic here, or a close that never arrived
    assertEventually(10, () -> assertThat(idle.state("d")).isEqualTo(State.HALF_OPEN));
    // Ten times the longest half-open: an opening from a timeout would have come long before.
    assertThat(opened.poll(1, TimeUnit.SECONDS)).as("nobody paused").isNull();
    assertThat(told).as("nobody told").isEmpty();
    assertEventually(10, () -> assertThat(idle.state("d")).as("waiting for a probe").isEqualTo(State.HALF_OPEN));

    Breakers.Call probe = idle.call("d");
    assertThat(probe).isNotNull();
    probe.failed(DOWN);
    Opened o = nextOpening();
    assertThat(o.forMs()).as("the second opening in a row: the timeouts did not count").isBetween(160L, 240L);
    assertThat(told.poll()).isEqualTo("opened d 2");
  }

  @Test
  void aStaleOrForgedOpeningHeardIsBoundedByTheCapAndASmallAttemptCount() throws Exception {
    breakers.heardOpened("d", 3_600_000, Integer.MAX_VALUE);
    long start = System.nanoTime();
    assertEventually(10, () -> assertThat(breakers.state("d")).isEqualTo(State.HALF_OPEN));
    assertThat((System.nanoTime() - start) / 1_000_000).as("open at most the cap plus its jitter (480 ms), not an hour")
        .isLessThan(5_000);
    breakers.call("d").failed(DOWN);
    assertThat(nextOpening().forMs()).isBetween(320L, 480L);
    assertThat(told.poll()).isEqualTo("opened d " + (Breakers.MAX_HEARD_ATTEMPT + 1));
  }

  @Test
  void aProbeThatSaysNothingGivesTheReplicasClaimBackAndAnAnswerOrFailureDoNotReleaseTwice() throws Exception {
    breakers.call("d").failed(DOWN);
    halfOpenAfterMs(nextOpening());
    told.clear();
    breakers.call("d").neutral();
    assertThat(told).containsExactly("released d");
    Breakers.Call probe = breakers.call("d");
    probe.firstContent();
    probe.neutral();
    assertThat(told).containsExactly("released d", "closed d");
  }

  @Test
  void ofManyCallersOnTwoThreadsAtOnceOnlyOneGetsTheHalfOpenProbe() throws Exception {
    breakers.call("d").failed(DOWN);
    halfOpenAfterMs(nextOpening());
    AtomicInteger probes = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> loops = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread loop = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 10_000; i++) {
          if (breakers.call("d") != null) {
            probes.incrementAndGet();
          }
        }
      });
      loop.start();
      loops.add(loop);
    }
    go.countDown();
    for (Thread loop : loops) {
      loop.join(30_000);
    }
    assertThat(probes.get()).isEqualTo(1);
  }
}
