package dev.modelmux.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One route's meters (or the unrouted requests'), registered once. */
public final class RouteMeters {
  private final MeterRegistry registry;
  private final String route;
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Counter fallbacks;

  RouteMeters(MeterRegistry registry, String route) {
    this.registry = registry;
    this.route = route;
    fallbacks = Counter.builder("modelmux_fallbacks_total").description("Moves from one deployment to another within a request")
        .tag("route", route).register(registry);
  }

  /** A request's end: ok, failed_mid_stream, error, client_gone, unknown_model or rejected. */
  public void request(String outcome) {
    Counter counter = requests.get(outcome);
    (counter != null ? counter : requestCounter(outcome)).increment();
  }

  public void fallbacks(int count) {
    if (count > 0) {
      fallbacks.increment(count);
    }
  }

  private Counter requestCounter(String outcome) {
    return requests.computeIfAbsent(outcome, o -> Counter.builder("modelmux_requests_total").description("Client requests by outcome")
        .tag("route", route).tag("outcome", o).register(registry));
  }
}
