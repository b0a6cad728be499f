package dev.modelmux.server;

import java.util.function.BooleanSupplier;

/**
 * What {@code /health/ready} answers, for the whole process whichever listener asks: 503 STARTING until every event
 * loop's listener is up (the first one answers while the others still start, and a load balancer must not send to a
 * process still starting); 503 DRAINING from the start of a drain, so load balancers stop sending; 200
 * DEGRADED while budgets run on local shares (a Redis outage must not pull every replica at once); else 200 UP.
 */
final class Readiness {
  record Answer(int status, String state) {}

  private final BooleanSupplier draining;
  private volatile boolean started;

  Readiness(BooleanSupplier draining) {
    this.draining = draining;
  }

  /** Every listener is up. */
  void started() {
    started = true;
  }

  Answer answer(String budgetMode) {
    if (!started) {
      return new Answer(503, "STARTING");
    }
    if (draining.getAsBoolean()) {
      return new Answer(503, "DRAINING");
    }
    return new Answer(200, "local-fallback".equals(budgetMode) ? "DEGRADED" : "UP");
  }
}
