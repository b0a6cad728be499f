package dev.modelmux.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Readiness is the process's, not one listener's: with several event loops, the first listener answers while the
 * others are still starting, so a load balancer (or a test) would send to a process that is not all there yet. Not
 * ready until every listener is up.
 */
class ReadinessTest {
  @Test
  void notReadyUntilEveryListenerIsUpThenUpDegradedOrDraining() {
    AtomicBoolean draining = new AtomicBoolean();
    Readiness readiness = new Readiness(draining::get);
    assertThat(readiness.answer("local")).isEqualTo(new Readiness.Answer(503, "STARTING"));
    readiness.started();
    assertThat(readiness.answer("local")).isEqualTo(new Readiness.Answer(200, "UP"));
    assertThat(readiness.answer("redis")).isEqualTo(new Readiness.Answer(200, "UP"));
    assertThat(readiness.answer("local-fallback")).as("a Redis outage keeps the replica in").isEqualTo(new Readiness.Answer(200, "DEGRADED"));
    draining.set(true);
    assertThat(readiness.answer("local-fallback")).isEqualTo(new Readiness.Answer(503, "DRAINING"));
  }
}
