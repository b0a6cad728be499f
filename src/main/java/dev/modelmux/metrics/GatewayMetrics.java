package dev.modelmux.metrics;

import dev.modelmux.budget.BudgetStore;
import dev.modelmux.budget.FailoverBudgetStore;
import dev.modelmux.budget.Headroom;
import dev.modelmux.gateway.ErrorKind;
import dev.modelmux.resilience.Breakers;
import dev.modelmux.routing.Deployment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The gateway's own meters, exposed in Prometheus format on GET /metrics next to Vert.x's HTTP and pool metrics.
 * Tags are bounded: route and deployment names come from the config, outcomes from fixed enums.
 */
public final class GatewayMetrics {
  private final PrometheusMeterRegistry registry;

  /** @param registry the registry Vert.x's own metrics were given, or null to start a fresh one */
  public GatewayMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry != null ? registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** Gauges read live state: breaker positions, budget headroom, Redis availability. */
  public void watch(List<Deployment> deployments, Breakers breakers, BudgetStore budgets) {
    for (Deployment d : deployments) {
      Gauge.builder("modelmux_breaker_state", () -> switch (breakers.state(d.id())) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
          })
          .description("Circuit breaker: 0 closed, 1 half-open, 2 open").tag("deployment", d.id()).register(registry);
      Gauge.builder("modelmux_budget_headroom_tokens", () -> headroom(d, true))
          .description("Tokens left in the deployment's window, as last seen").tag("deployment", d.id()).register(registry);
      Gauge.builder("modelmux_budget_headroom_requests", () -> headroom(d, false))
          .description("Requests left in the deployment's window, as last seen").tag("deployment", d.id()).register(registry);
      Gauge.builder("modelmux_in_flight", () -> d.state().inFlight())
          .description("Upstream calls in progress").tag("deployment", d.id()).register(registry);
    }
    if (budgets instanceof FailoverBudgetStore failover) {
      Gauge.builder("modelmux_redis_available", () -> failover.redisAvailable() ? 1 : 0)
          .description("1 while budgets are shared through Redis, 0 while serving on local shares").register(registry);
    }
  }

  private static double headroom(Deployment d, boolean tokens) {
    Headroom h = d.state().headroom();
    if (h == null) {
      return tokens ? d.config().limits().tpm() : d.config().limits().rpm();
    }
    return tokens ? h.tokensLeft() : h.requestsLeft();
  }

  /** A request's end: ok, failed_mid_stream, error, client_gone, unknown_model or rejected. */
  public void request(String route, String outcome) {
    Counter.builder("modelmux_requests_total").description("Client requests by outcome")
        .tag("route", route == null ? "none" : route).tag("outcome", outcome).register(registry).increment();
  }

  public void fallbacks(String route, int count) {
    if (count > 0) {
      Counter.builder("modelmux_fallbacks_total").description("Moves from one deployment to another within a request")
          .tag("route", route).register(registry).increment(count);
    }
  }

  /** One upstream attempt: "ok", or the kind of its failure. */
  public void attempt(String deployment, ErrorKind failure) {
    String outcome = failure == null ? "ok" : failure.name().toLowerCase(Locale.ROOT);
    Counter.builder("modelmux_attempts_total").description("Upstream attempts by outcome")
        .tag("deployment", deployment).tag("outcome", outcome).register(registry).increment();
  }

  /** A hedged attempt finished: won (it answered) or lost (the primary was faster, or it failed). */
  public void hedge(String deployment, boolean won) {
    Counter.builder("modelmux_hedges_total").description("Hedged attempts by result")
        .tag("deployment", deployment).tag("result", won ? "won" : "lost").register(registry).increment();
  }

  public void pause(String deployment, String reason) {
    Counter.builder("modelmux_pauses_total").description("Deployments paused for every replica (429 retry-after, open breaker)")
        .tag("deployment", deployment).tag("reason", reason).register(registry).increment();
  }

  public void ttft(String deployment, long millis) {
    timer("modelmux_ttft_seconds", "Time to first content from the start of the attempt", deployment).record(Duration.ofMillis(millis));
  }

  public void duration(String deployment, long millis) {
    timer("modelmux_attempt_duration_seconds", "Attempt duration until the answer ended", deployment).record(Duration.ofMillis(millis));
  }

  public void tokens(String deployment, int prompt, int completion) {
    if (prompt > 0) {
      Counter.builder("modelmux_tokens_total").tag("deployment", deployment).tag("direction", "in").register(registry).increment(prompt);
    }
    if (completion > 0) {
      Counter.builder("modelmux_tokens_total").tag("deployment", deployment).tag("direction", "out").register(registry).increment(completion);
    }
  }

  private Timer timer(String name, String description, String deployment) {
    return Timer.builder(name).description(description).tag("deployment", deployment)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(120))
        .register(registry);
  }
}
