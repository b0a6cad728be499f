package dev.modelmux.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.DeadlineLearning;
import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.LatencyPrior;
import dev.modelmux.config.Limits;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.config.Secret;
import dev.modelmux.config.Timeouts;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.provider.Providers;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which first-token and idle deadline an attempt gets: configured ones win; else a streamed attempt with a fallback
 * gets four times the recent p99 (the warm start before any sample), floored and capped, or twice a learned deadline
 * that expired until the deployment answers in time again; everything else the caps.
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
      state.recordStreamedTtft(100);
      state.recordLongestGap(50);
    }
    assertThat(learned.forAttempt(true, false)).isEqualTo(new Timeouts(5_000, 2_000, 2_000, 600_000));
    state.recordStreamedTtft(1_500);
    state.recordLongestGap(700);
    assertThat(learned.ttftP99Ms()).as("the p99 of 11 samples is the largest").isEqualTo(1_500);
    assertThat(learned.forAttempt(true, false)).isEqualTo(new Timeouts(5_000, 6_000, 2_800, 600_000));
  }

  @Test
  void anExpiredFirstTokenDeadlineBacksOffDoublingUpToTheCapUntilAFirstTokenComes() {
    LearnedDeadlines learned = deadlines(Timeouts.DEFAULT);
    long deadline = learned.firstTokenMs();
    assertThat(deadline).isEqualTo(10_000);
    learned.firstTokenExpired(deadline);
    assertThat(learned.firstTokenMs()).isEqualTo(20_000);
    learned.firstTokenExpired(learned.firstTokenMs());
    assertThat(learned.firstTokenMs()).isEqualTo(40_000);
    learned.firstTokenExpired(learned.firstTokenMs());
    assertThat(learned.firstTokenMs()).isEqualTo(60_000);
    learned.firstTokenExpired(60_000);
    assertThat(learned.firstTokenMs()).as("a cut at the cap teaches nothing more").isEqualTo(60_000);
    assertThat(state.ttftP99Ms()).as("a cut is no sample").isEqualTo(-1);
    assertThat(state.ttftP95Ms()).as("hedging never sees a cut").isEqualTo(2_000);
    learned.firstTokenExpired(10_000);
    assertThat(learned.firstTokenMs()).as("an older, shorter cut does not shorten the back-off").isEqualTo(60_000);

    state.recordStreamedTtft(100);
    assertThat(learned.firstTokenMs()).as("the next first token ends the back-off").isEqualTo(2_000);
  }

  @Test
  void anExpiredIdleDeadlineBacksOffDoublingUpToTheIdleCapUntilAStreamCompletes() {
    LearnedDeadlines learned = deadlines(Timeouts.DEFAULT);
    assertThat(learned.idleMs()).isEqualTo(10_000);
    learned.idleExpired(10_000);
    assertThat(learned.idleMs()).isEqualTo(20_000);
    learned.idleExpired(20_000);
    assertThat(learned.idleMs()).isEqualTo(30_000);
    learned.idleExpired(30_000);
    assertThat(learned.idleMs()).isEqualTo(30_000);
    state.recordLongestGap(50);
    assertThat(learned.idleMs()).as("a gap recorded from a stream that did not complete").isEqualTo(30_000);
    state.streamCompleted();
    assertThat(learned.idleMs()).isEqualTo(2_000);
  }

  @Test
  void aLearnedIdleDeadlineIsCappedByTheIdleCap() {
    LearnedDeadlines learned = deadlines(Timeouts.DEFAULT);
    state.recordLongestGap(12_000);
    assertThat(learned.idleMs()).isEqualTo(30_000);
    LearnedDeadlines longer = new LearnedDeadlines(Timeouts.DEFAULT, LatencyPrior.DEFAULT,
        new DeadlineLearning(4, 2_000, 60_000, 45_000), state);
    assertThat(longer.idleMs()).isEqualTo(45_000);
    assertThat(longer.forAttempt(true, true).idleMs()).isEqualTo(45_000);
  }

  @Test
  void onlyAStreamedAttemptsFirstTokenTeachesTheFirstTokenDeadline() {
    LearnedDeadlines learned = deadlines(Timeouts.DEFAULT);
    state.recordTtft(30_000);
    assertThat(learned.firstTokenMs()).as("still the warm start").isEqualTo(10_000);
    assertThat(state.ttftMs()).as("routing's mean sees every attempt").isEqualTo(30_000);
    assertThat(state.ttftP95Ms()).as("so does hedging").isEqualTo(30_000);
    state.recordStreamedTtft(1_000);
    assertThat(learned.firstTokenMs()).isEqualTo(4_000);
  }

  @Test
  void aDeploymentKeepsOneLearnedDeadlinesThatFollowsItsState() {
    DeploymentConfig config = DeploymentConfig.builder("d", ProviderKind.OPENAI, "gpt-4").baseUrl(URI.create("http://127.0.0.1:1"))
        .apiKey("K", new Secret("k")).tokens(8192, 8192, 1024).limits(new Limits(100_000, 100)).build();
    Deployment deployment = new Deployment(config, Providers.of(ProviderKind.OPENAI), new GatewayMetrics(null).deployment("d", List.of()));
    assertThat(deployment.deadlines()).as("not one per call on the hot path").isSameAs(deployment.deadlines());
    deployment.state().recordStreamedTtft(1_000);
    assertThat(deployment.deadlines().firstTokenMs()).isEqualTo(4_000);
  }

  @Test
  void configuredDeadlinesWinAndTeachNothing() {
    LearnedDeadlines learned = deadlines(new Timeouts(1_000, 1_500, 800, 20_000));
    state.recordTtft(30_000);
    assertThat(learned.forAttempt(true, false)).isEqualTo(new Timeouts(1_000, 1_500, 800, 20_000));
    assertThat(learned.forAttempt(true, true)).isEqualTo(new Timeouts(1_000, 1_500, 800, 20_000));
    assertThat(learned.forAttempt(false, false)).isEqualTo(new Timeouts(1_000, 1_500, 800, 20_000));
    learned.firstTokenExpired(1_500);
    learned.idleExpired(800);
    assertThat(learned.firstTokenMs()).isEqualTo(1_500);
    assertThat(learned.idleMs()).isEqualTo(800);
    assertThat(learned.firstTokenConfigured()).isTrue();
  }

  @Test
  void theLastCandidateAndANonStreamedAttemptGetTheCaps() {
    LearnedDeadlines learned = deadlines(Timeouts.DEFAULT);
    state.recordStreamedTtft(100);
    assertThat(learned.forAttempt(true, true)).isEqualTo(new Timeouts(5_000, 60_000, 30_000, 600_000));
    assertThat(learned.forAttempt(false, false)).isEqualTo(new Timeouts(5_000, 60_000, 30_000, 600_000));
  }
}
