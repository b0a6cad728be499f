package dev.modelmux.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The gateway's own meters, exposed in Prometheus format on GET /metrics next to Vert.x's pool metrics.
 * Meters are registered once, at start, in one holder per deployment and per route, so a request only increments;
 * tags are bounded: route and deployment names come from the config, outcomes from fixed lists.
 */
public final class GatewayMetrics {
  private final PrometheusMeterRegistry registry;
  private final RouteMeters unrouted;
  private final ConnectionMeters connections;
  private final GuardMeters guard;
  private final GenAiMeters genAi;

  /** @param registry the registry Vert.x's own metrics were given, or null to start a fresh one */
  public GatewayMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry != null ? registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.unrouted = new RouteMeters(this.registry, "none");
    this.connections = new ConnectionMeters(this.registry);
    this.guard = new GuardMeters(this.registry);
    this.genAi = new GenAiMeters(this.registry);
    counterFunction("modelmux_access_log_dropped", "Access log lines dropped because the log's writer fell behind",
        DroppedLogLines::count);
  }

  /** The OpenTelemetry GenAI conventions' request metrics. */
  public GenAiMeters genAi() {
    return genAi;
  }

  public GuardMeters guard() {
    return guard;
  }

  /** Client connections, counted across every event loop of the process. */
  public ConnectionMeters connections() {
    return connections;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** @param attemptOutcomes every outcome an attempt can end with ("ok" and the failure kinds) */
  public DeploymentMeters deployment(String id, List<String> attemptOutcomes) {
    return new DeploymentMeters(registry, id, attemptOutcomes);
  }

  /** A client key's meters; {@code id} must come from the config, so the key tag stays bounded. */
  public KeyMeters key(String id) {
    return new KeyMeters(registry, id);
  }

  public RouteMeters route(String name) {
    return new RouteMeters(registry, name);
  }

  /** Requests that never reached a route (bad input, unknown model). */
  public RouteMeters unrouted() {
    return unrouted;
  }

  /** A counter read from {@code value} (monotonic), exported as {@code <name>_total}. */
  public void counterFunction(String name, String description, LongSupplier value, String... tags) {
    FunctionCounter.builder(name, value, v -> v.getAsLong()).description(description).tags(tags)
        .register(registry);
  }

  /** A gauge read live at every scrape; {@code tags} are name, value pairs. */
  public void gauge(String name, String description, Supplier<Number> value, String... tags) {
    Gauge.builder(name, value).description(description).tags(tags).register(registry);
  }
}
