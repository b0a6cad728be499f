package dev.modelmux.routing;

import dev.modelmux.config.DeadlineLearning;
import dev.modelmux.config.LatencyPrior;
import dev.modelmux.config.Timeouts;

/**
 * A deployment's first-token and idle deadlines in force: the configured ones, else {@code multiple} times its recent
 * p99 (time to first token; a stream's longest gap), warm-started from its {@code latency} prior, floored and capped.
 * An attempt with nowhere to fail over to, or a non-streamed one (its headers come only with the whole answer), gets
 * the cap instead of a learned deadline.
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
        configured.idleLearned() ? (capped ? learning.capMs() : idleMs()) : configured.idleMs());
  }

  /** Whether a first-token deadline of {@code deadlineMs}, for a streamed attempt, is a learned one (not the cap). */
  public boolean learnsFrom(long deadlineMs) {
    return configured.firstTokenLearned() && deadlineMs < learning.capMs();
  }

  /** A streamed attempt's first-token deadline when it has somewhere to fail over to. */
  public long firstTokenMs() {
    return configured.firstTokenLearned() ? learning.deadlineFor(ttftP99Ms()) : configured.firstTokenMs();
  }

  /** A streamed attempt's idle deadline when it has somewhere to fail over to. */
  public long idleMs() {
    return configured.idleLearned() ? learning.deadlineFor(gapP99Ms()) : configured.idleMs();
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
}
