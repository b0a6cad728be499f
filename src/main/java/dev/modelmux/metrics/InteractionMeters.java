package dev.modelmux.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/** The interaction log: requests recorded, dropped (by why), and waiting for the database. */
public final class InteractionMeters {
  private final Counter recorded;
  private final Counter queueFull;
  private final Counter writeFailed;

  public InteractionMeters(MeterRegistry registry, Supplier<Number> queued) {
    this.recorded = Counter.builder("modelmux_interactions_recorded_total").description("Ended requests written to the interaction log")
        .register(registry);
    this.queueFull = dropped(registry, "queue_full");
    this.writeFailed = dropped(registry, "write_failed");
    Gauge.builder("modelmux_interactions_queued", queued).description("Recorded requests waiting to be written").register(registry);
  }

  private static Counter dropped(MeterRegistry registry, String reason) {
    return Counter.builder("modelmux_interactions_dropped_total").description("Recorded requests the log could not keep")
        .tag("reason", reason).register(registry);
  }

  public void recorded(int count) {
    recorded.increment(count);
  }

  public void droppedQueueFull() {
    queueFull.increment();
  }

  public void droppedWriteFailed(int count) {
    writeFailed.increment(count);
  }
}
