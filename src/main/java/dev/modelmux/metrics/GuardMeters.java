package dev.modelmux.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;

/** Secrets the deterministic guard found in task calls, by task, rule and what it did (redact, block). */
public final class GuardMeters {
  private final MeterRegistry registry;

  GuardMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Tags are bounded: task names come from the prompt repository, rules from the scanner's fixed set. */
  public void finding(String task, String rule, String action) {
    Counter.builder("modelmux_guard_findings_total").description("Secrets found by the deterministic guard in task calls")
        .tag("task", task).tag("rule", rule).tag("action", action.toLowerCase(Locale.ROOT)).register(registry).increment();
  }
}
