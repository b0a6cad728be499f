package dev.modelmux.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.DeadlineLearning;
import dev.modelmux.config.LatencyPrior;
import dev.modelmux.config.Timeouts;
import org.junit.jupiter.api.Test;

/**
 * Which first-token and idle deadline an attempt gets: configured ones win; else a streamed attempt with a fallback
 * gets four times the recent p99 (the warm start before any sample), floored and capped; everything else the cap.
 */
class LearnedDeadlinesTest {
  private final DeploymentState state = new DeploymentState();

  private LearnedDeadlines deadlines(Timeouts configured) {
    return new LearnedDeadlines(configured, LatencyPrior.DEFAULT, DeadlineLearning.DEFAULT, state);
  }

  @Test
  void aFreshDeploymentGetsTheWarmStartThenItsOwnP99Floored() {
    LearnedDeadlines learned = deadlines(Timeouts.DEFAULT);
    assertThat(learned.forAttempt(true, false)).isEqualTo(new Timeouts(5_000, 10_000, 10_000, 600_000));
    assertThat(learned.ttftMeasured()).isFalse();
    for (int i = 0; i < 10; i++) {
      state.recordTtft(100);
      state.recordLongestGap(50);
    }
    assertThat(learned.forAttempt(true, false)).isEqualTo(new Timeouts(5_000, 2_000, 2_000, 600_000));
    state.recordTtft(1_500);
    state.recordLongestGap(700);
    assertThat(learned.ttftP99Ms()).as("the p99 of 11 samples is the largest").isEqualTo(1_500);
    assertThat(learned.forAttempt(true, false)).isEqualTo(new Timeouts(5_000, 6_000, 2_800, 600_000));
  }

  @Test
  void censoredSamplesGrowTheFirstTokenDeadlineUpToTheCap() {
    LearnedDeadlines learned = deadlines(Timeouts.DEFAULT);
    long deadline = learned.firstTokenMs();
    assertThat(deadline).isEqualTo(10_000);
    assertThat(learned.learnsFrom(deadline)).isTrue();
    state.recordTtftCensored(deadline);
    assertThat(learned.firstTokenMs()).isEqualTo(40_000);
    state.recordTtftCensored(learned.firstTokenMs());
    assertThat(learned.firstTokenMs()).isEqualTo(60_000);
    assertThat(learned.learnsFrom(60_000)).as("a cut at the cap teaches nothing more").isFalse();
  }

  @Test
  void configuredDeadlinesWinAndTeachNothing() {
    LearnedDeadlines learned = deadlines(new Timeouts(1_000, 1_500, 800, 20_000));
    state.recordTtft(30_000);
    assertThat(learned.forAttempt(true, false)).isEqualTo(new Timeouts(1_000, 1_500, 800, 20_000));
    assertThat(learned.forAttempt(true, true)).isEqualTo(new Timeouts(1_000, 1_500, 800, 20_000));
    assertThat(learned.forAttempt(false, false)).isEqualTo(new Timeouts(1_000, 1_500, 800, 20_000));
    assertThat(learned.learnsFrom(1_500)).isFalse();
    assertThat(learned.firstTokenConfigured()).isTrue();
  }

  @Test
  void theLastCandidateAndANonStreamedAttemptGetTheCap() {
    LearnedDeadlines learned = deadlines(Timeouts.DEFAULT);
    state.recordTtft(100);
    assertThat(learned.forAttempt(true, true)).isEqualTo(new Timeouts(5_000, 60_000, 60_000, 600_000));
    assertThat(learned.forAttempt(false, false)).isEqualTo(new Timeouts(5_000, 60_000, 60_000, 600_000));
  }
}
