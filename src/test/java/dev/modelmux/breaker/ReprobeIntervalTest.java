package dev.modelmux.breaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.ResilienceConfig;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The wait of an open breaker before each probe: about a second, doubling with each probe that failed, capped, drawn
 * within ±20 %; a probe that succeeds starts it over. The defaults bring a flapping primary back within failoverbench
 * S15's 30 s on its full timing (a 60 s outage, requests 4 s apart), which a 60 s cap would not.
 */
class ReprobeIntervalTest {
  private static final double JITTER = 0.2;

  private static long nominal(ResilienceConfig c, int attempt) {
    return (long) Math.min(c.breakerResetMaxMs(), c.breakerResetMs() * Math.pow(2, attempt - 1));
  }

  @Test
  void growsOneTwoFourEightFromTheFirstWithinItsJitterAndStopsAtTheCap() {
    ResilienceConfig defaults = ResilienceConfig.DEFAULT;
    ReprobeInterval interval = new ReprobeInterval(defaults.breakerResetMs(), defaults.breakerResetMaxMs());
    assertThat(new long[] {nominal(defaults, 1), nominal(defaults, 2), nominal(defaults, 3), nominal(defaults, 4),
        nominal(defaults, 5), nominal(defaults, 6)}).containsExactly(1_000, 2_000, 4_000, 8_000, 15_000, 15_000);
    for (int attempt = 1; attempt <= 10; attempt++) {
      Set<Long> drawn = new HashSet<>();
      for (int i = 0; i < 200; i++) {
        interval.reset();
        for (int before = 1; before < attempt; before++) {
          interval.apply(before);
          interval.opened();
        }
        long ms = interval.apply(attempt);
        interval.opened();
        assertThat(interval.lastMs()).isEqualTo(ms);
        assertThat(ms).as("attempt %d", attempt)
            .isBetween((long) (nominal(defaults, attempt) * (1 - JITTER)) - 1, (long) (nominal(defaults, attempt) * (1 + JITTER)) + 1);
        drawn.add(ms);
      }
      assertThat(drawn).as("jittered, so replicas do not probe in step").hasSizeGreaterThan(10);
    }
  }

  @Test
  void attemptsHeardFromAnotherReplicaCarryOnUntilAProbeSucceeds() {
    ReprobeInterval interval = new ReprobeInterval(1_000, 15_000);
    interval.heard(3); // another replica's third opening
    assertThat(interval.apply(1)).as("this replica's next opening is the fourth").isBetween(6_400L, 9_600L);
    interval.opened();
    assertThat(interval.lastAttempt()).isEqualTo(4);
    interval.reset();
    assertThat(interval.apply(1)).isBetween(800L, 1_200L);
    interval.opened();
    assertThat(interval.lastAttempt()).isEqualTo(1);
  }

  /**
   * resilience4j draws the interval inside an atomic update that another thread may make it run again: asked twice
   * for one opening, it answers the same interval and counts that opening once; only the opening recorded moves on.
   */
  @Test
  void askedAgainForTheSameOpeningItAnswersTheSameAndCountsItOnce() {
    ReprobeInterval interval = new ReprobeInterval(1_000, 15_000);
    long first = interval.apply(1);
    assertThat(interval.apply(1)).as("a re-run of the same opening").isEqualTo(first);
    assertThat(interval.apply(1)).isEqualTo(first);
    interval.opened();
    assertThat(interval.lastMs()).as("the pause shared is the wait in force").isEqualTo(first);
    assertThat(interval.lastAttempt()).isEqualTo(1);
    long second = interval.apply(7); // resilience4j's count, which also counts half-opens that timed out without a probe
    assertThat(second).as("the next opening is the second, not the fourth").isBetween(1_600L, 2_400L);
    assertThat(interval.apply(7)).isEqualTo(second);
    interval.opened();
    assertThat(interval.lastAttempt()).isEqualTo(2);
  }

  /**
   * failoverbench S15 on both timings, with the defaults: the breaker opens at any request of the outage, every probe
   * lands on the first request after its interval (drawn anywhere within its jitter), and each probe before the
   * recovery fails. The primary must serve again within 30 s of recovering; the fast profile's 6 s outage within its
   * last request.
   */
  @Test
  void theDefaultsBringAFlappingPrimaryBackWithinFailoverbenchS15sBoundsOnBothTimings() {
    ResilienceConfig defaults = ResilienceConfig.DEFAULT;
    for (double jitter : new double[] {-JITTER, 0, JITTER}) {
      for (long openedAt = 0; openedAt < 60_000; openedAt += 4_000) {
        assertThat(backAfterRecovery(defaults, jitter, 60_000, 4_000, openedAt)).as("full, opened at %d ms, jitter %s", openedAt, jitter)
            .isLessThanOrEqualTo(30_000);
      }
      for (long openedAt = 0; openedAt < 6_000; openedAt += 1_200) {
        long back = backAfterRecovery(defaults, jitter, 6_000, 1_200, openedAt);
        assertThat(6_000 + back).as("fast, opened at %d ms, jitter %s: before its last request", openedAt, jitter)
            .isLessThanOrEqualTo(9 * 1_200);
      }
    }
    ResilienceConfig minuteCap = new ResilienceConfig(5, 1_000, 60_000, 100, 600_000, 60_000);
    long worst = 0;
    for (double jitter : new double[] {-JITTER, 0, JITTER}) {
      for (long openedAt = 0; openedAt < 60_000; openedAt += 4_000) {
        worst = Math.max(worst, backAfterRecovery(minuteCap, jitter, 60_000, 4_000, openedAt));
      }
    }
    assertThat(worst).as("a 60 s cap comes back too late").isGreaterThan(30_000);
  }

  /** How long after {@code recoveredAt} the first probe after it is sent (requests every {@code everyMs} from 0). */
  private static long backAfterRecovery(ResilienceConfig c, double jitter, long recoveredAt, long everyMs, long openedAt) {
    long open = openedAt;
    for (int attempt = 1; ; attempt++) {
      long halfOpen = open + (long) (nominal(c, attempt) * (1 + jitter));
      long probe = (halfOpen + everyMs - 1) / everyMs * everyMs;
      if (probe >= recoveredAt) {
        return probe - recoveredAt;
      }
      open = probe;
    }
  }
}
