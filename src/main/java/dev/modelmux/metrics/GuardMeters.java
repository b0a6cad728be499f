package dev.modelmux.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;

/** Secrets the deterministic guard found, by route, task (none for a plain request), rule and what it did (redact, block). */
public final class GuardMeters {
  private final MeterRegistry registry;

  GuardMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Tags are bounded: routes from config, task names from the prompt repository, rules from the scanner's fixed set. */
  public void finding(String route, String task, String rule, String action) {
    Counter.builder("modelmux_guard_findings_total").description("Secrets found by the deterministic guard before a prompt left")
        .tag("route", route).tag("task", task == null ? "none" : task).tag("rule", rule).tag("action", action.toLowerCase(Locale.ROOT))
        .register(registry).increment();
  }
}
