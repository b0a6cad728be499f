package dev.modelmux.routing;

import dev.modelmux.config.DeadlineLearning;
import dev.modelmux.config.LatencyPrior;
import dev.modelmux.config.Timeouts;

/**
 * A deployment's first-token and idle deadlines in force: the configured ones, else {@code multiple} times its recent
 * p99 (a streamed attempt's time to first token; a stream's longest gap), warm-started from its {@code latency} prior,
 * floored and capped. A learned deadline that expired is no sample (it says only "at least that long"): it backs off
 * instead, the next deadlines being at least twice it (up to the cap) until a first token comes, or a stream ends, in
 * time. An attempt with nowhere to fail over to, or a non-streamed one (its headers come only with the whole answer),
 * gets the caps instead of learned deadlines.
 */
public final class LearnedDeadlines {
  private final Timeouts configured;
  private final LatencyPrior prior;
  private final DeadlineLearning learning;
  private final DeploymentState state;

  LearnedDeadlines(Timeouts configured, LatencyPrior prior, DeadlineLearning learning, DeploymentState state) {
    this.configured = configured;
    this.prior = prior;
    this.learning = learning;
    this.state = state;
  }

  /** The deadlines of one attempt. */
  public Timeouts forAttempt(boolean streamed, boolean nowhereElse) {
    boolean capped = !streamed || nowhereElse;
    return configured.with(
        configured.firstTokenLearned() ? (capped ? learning.capMs() : firstTokenMs()) : configured.firstTokenMs(),
        configured.idleLearned() ? (capped ? learning.idleCapMs() : idleMs()) : configured.idleMs());
  }

  /** A streamed attempt's first-token deadline of {@code deadlineMs} expired: a learned one backs off. */
  public void firstTokenExpired(long deadlineMs) {
    if (configured.firstTokenLearned() && deadlineMs < learning.capMs()) {
      state.backOffFirstToken(Math.min(learning.capMs(), 2 * deadlineMs));
    }
  }

  /** A streamed attempt's idle deadline of {@code deadlineMs} expired: a learned one backs off. */
  public void idleExpired(long deadlineMs) {
    if (configured.idleLearned() && deadlineMs < learning.idleCapMs()) {
      state.backOffIdle(Math.min(learning.idleCapMs(), 2 * deadlineMs));
    }
  }

  /** A streamed attempt's first-token deadline when it has somewhere to fail over to. */
  public long firstTokenMs() {
    if (!configured.firstTokenLearned()) {
      return configured.firstTokenMs();
    }
    return Math.max(learning.deadlineFor(ttftP99Ms()), state.firstTokenBackoffMs());
  }

  /** A streamed attempt's idle deadline when it has somewhere to fail over to. */
  public long idleMs() {
    if (!configured.idleLearned()) {
      return configured.idleMs();
    }
    return Math.max(learning.idleDeadlineFor(gapP99Ms()), state.idleBackoffMs());
  }

  public boolean firstTokenConfigured() {
    return !configured.firstTokenLearned();
  }

  public boolean idleConfigured() {
    return !configured.idleLearned();
  }

  /** The recent p99 time to first token, or the prior before any was measured. */
  public long ttftP99Ms() {
    long p99 = state.ttftP99Ms();
    return p99 < 0 ? prior.firstTokenP99Ms() : p99;
  }

  /** The recent p99 of a stream's longest gap, or the prior before any was measured. */
  public long gapP99Ms() {
    long p99 = state.gapP99Ms();
    return p99 < 0 ? prior.gapP99Ms() : p99;
  }

  /** Whether the p99s are measured (false: still the warm start). */
  public boolean ttftMeasured() {
    return state.ttftP99Ms() >= 0;
  }

  public boolean gapMeasured() {
    return state.gapP99Ms() >= 0;
  }

  /** What the last first-token cuts ask of the next deadline, 0 when none since a first token came. */
  public long firstTokenBackoffMs() {
    return configured.firstTokenLearned() ? state.firstTokenBackoffMs() : 0;
  }

  /** What the last idle cuts ask of the next deadline, 0 when none since a stream completed. */
  public long idleBackoffMs() {
    return configured.idleLearned() ? state.idleBackoffMs() : 0;
  }
}
