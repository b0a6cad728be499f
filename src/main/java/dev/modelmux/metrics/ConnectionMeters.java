package dev.modelmux.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Client connections of the whole process (every event loop shares one count): open now, refused at the limit,
 * and closed by the front door's header or idle timeout.
 */
public final class ConnectionMeters {
  private final AtomicInteger open = new AtomicInteger();
  private final Counter refused;
  private final Counter headerTimeouts;
  private final Counter idleTimeouts;
  private final Counter malformed;

  ConnectionMeters(MeterRegistry registry) {
    Gauge.builder("modelmux_connections_open", open, AtomicInteger::get).description("Client connections open now")
        .register(registry);
    refused = Counter.builder("modelmux_connections_refused_total")
        .description("Client connections closed at once because server.max_connections were open").register(registry);
    headerTimeouts = closed(registry, "header_timeout");
    idleTimeouts = closed(registry, "idle_timeout");
    malformed = closed(registry, "malformed_http");
  }

  /** Counts a new connection unless {@code max} are open already; false means it must be closed. */
  public boolean tryOpen(int max) {
    while (true) {
      int now = open.get();
      if (now >= max) {
        refused.increment();
        return false;
      }
      if (open.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  public void closed() {
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }

  public void headerTimeout() {
    headerTimeouts.increment();
  }

  public void idleTimeout() {
    idleTimeouts.increment();
  }

  public void malformed() {
    malformed.increment();
  }

  private static Counter closed(MeterRegistry registry, String reason) {
    return Counter.builder("modelmux_connections_closed_total").tag("reason", reason)
        .description("Client connections the front door closed, by reason").register(registry);
  }
}
