package dev.modelmux.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** One deployment's meters, registered once: a request increments them without a registry lookup. */
public final class DeploymentMeters {
  /** Explicit SLO buckets, as Prometheus histograms: a handful of useful bounds instead of ~70 percentile buckets. */
  private static final Duration[] LATENCY_BUCKETS = {
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60),
      Duration.ofSeconds(120)};

  private final MeterRegistry registry;
  private final String id;
  private final Map<String, Counter> attempts = new ConcurrentHashMap<>();
  private final Timer ttft;
  private final Timer duration;
  private final Counter tokensIn;
  private final Counter tokensOut;
  private final Counter spendUsd;
  private final Counter hedgesWon;
  private final Counter hedgesLost;
  private final Counter pausedRateLimit;
  private final Counter pausedBreaker;
  private final Counter pausedQuota;

  DeploymentMeters(MeterRegistry registry, String id, List<String> attemptOutcomes) {
    this.registry = registry;
    this.id = id;
    attemptOutcomes.forEach(this::attemptCounter);
    ttft = timer("modelmux_ttft_seconds", "Time to first content from the start of the attempt");
    duration = timer("modelmux_attempt_duration_seconds", "Attempt duration until the answer ended");
    tokensIn = Counter.builder("modelmux_tokens_total").tag("deployment", id).tag("direction", "in").register(registry);
    tokensOut = Counter.builder("modelmux_tokens_total").tag("deployment", id).tag("direction", "out").register(registry);
    spendUsd = Counter.builder("modelmux_spend_usd_total").description("What the deployment's attempts cost, at its price")
        .tag("deployment", id).register(registry);
    hedgesWon = hedges("won");
    hedgesLost = hedges("lost");
    pausedRateLimit = pauses("rate_limit");
    pausedBreaker = pauses("breaker_open");
    pausedQuota = pauses("quota_exhausted");
  }

  /** One upstream attempt: "ok", or the kind of its failure. */
  public void attempt(String outcome) {
    Counter counter = attempts.get(outcome);
    (counter != null ? counter : attemptCounter(outcome)).increment();
  }

  public void ttft(long millis) {
    ttft.record(millis, TimeUnit.MILLISECONDS);
  }

  public void duration(long millis) {
    duration.record(millis, TimeUnit.MILLISECONDS);
  }

  /** An attempt's cost, at the deployment's price. */
  public void spent(double usd) {
    if (usd > 0) {
      spendUsd.increment(usd);
    }
  }

  /** This process's totals since start: tokens in and out, and spend (for costs without an interaction log). */
  public double[] totals() {
    return new double[] {tokensIn.count(), tokensOut.count(), spendUsd.count()};
  }

  public void tokens(int prompt, int completion) {
    if (prompt > 0) {
      tokensIn.increment(prompt);
    }
    if (completion > 0) {
      tokensOut.increment(completion);
    }
  }

  /** A hedged attempt finished: won (it answered) or lost (the primary was faster, or it failed). */
  public void hedge(boolean won) {
    (won ? hedgesWon : hedgesLost).increment();
  }

  /** The deployment was paused for every replica: by a provider 429, or by its breaker opening. */
  public void paused(boolean byBreaker) {
    (byBreaker ? pausedBreaker : pausedRateLimit).increment();
  }

  /** The deployment's account is out of quota or credit: paused for every replica, for long. */
  public void quotaExhausted() {
    pausedQuota.increment();
  }

  private Counter attemptCounter(String outcome) {
    return attempts.computeIfAbsent(outcome, o -> Counter.builder("modelmux_attempts_total").description("Upstream attempts by outcome")
        .tag("deployment", id).tag("outcome", o).register(registry));
  }

  private Timer timer(String name, String description) {
    return Timer.builder(name).description(description).tag("deployment", id).serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry);
  }

  private Counter hedges(String result) {
    return Counter.builder("modelmux_hedges_total").description("Hedged attempts by result")
        .tag("deployment", id).tag("result", result).register(registry);
  }

  private Counter pauses(String reason) {
    return Counter.builder("modelmux_pauses_total").description("Deployments paused for every replica (429 retry-after, open breaker)")
        .tag("deployment", id).tag("reason", reason).register(registry);
  }
}
