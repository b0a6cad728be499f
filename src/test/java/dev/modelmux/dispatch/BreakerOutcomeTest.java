package dev.modelmux.dispatch;

import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.breaker.Breakers;
import dev.modelmux.breaker.Breakers.State;
import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.upstream.HedgeLosses;
import io.vertx.core.Future;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How each way an attempt can end moves a half-open breaker: failures reopen it, answers close it, the rest leave it be. */
class BreakerOutcomeTest {
  private final Breakers breakers = new Breakers(List.of("d"), new ResilienceConfig(2, 100, 100, 0, 60_000, 60_000), (id, ms) -> { });

  @Test
  void aLostHedgeOrADepartedClientLeavesAHalfOpenBreakerAsItWasAndFreesTheProbe() {
    halfOpen();
    Breakers.Call probe = breakers.call("d");
    assertThat(breakers.call("d")).as("one probe at a time").isNull();

    BreakerOutcome.tell(probe, Future.failedFuture(HedgeLosses.one()));
    assertThat(breakers.state("d")).isEqualTo(State.HALF_OPEN);

    Breakers.Call next = breakers.call("d");
    assertThat(next).as("the lost hedge gave its place back").isNotNull();
    BreakerOutcome.tell(next, Future.failedFuture(failure(ClientResponse.CLIENT_GONE, ErrorKind.INVALID_REQUEST)));
    assertThat(breakers.state("d")).isEqualTo(State.HALF_OPEN);

    BreakerOutcome.tell(breakers.call("d"), Future.failedFuture(failure(429, ErrorKind.QUOTA_EXCEEDED)));
    assertThat(breakers.state("d")).as("an exhausted quota is paused, not judged").isEqualTo(State.HALF_OPEN);
  }

  @Test
  void aProviderFailureReopensAndAnAnswerClosesEvenAnErrorOfTheClientsOwn() {
    halfOpen();
    BreakerOutcome.tell(breakers.call("d"), Future.failedFuture(failure(503, ErrorKind.OVERLOADED)));
    assertThat(breakers.state("d")).isEqualTo(State.OPEN);

    assertEventually(() -> assertThat(breakers.state("d")).isEqualTo(State.HALF_OPEN));
    BreakerOutcome.tell(breakers.call("d"), Future.failedFuture(failure(400, ErrorKind.INVALID_REQUEST)));
    assertThat(breakers.state("d")).isEqualTo(State.CLOSED);
  }

  @Test
  void aCallFromBeforeTheBreakerOpenedHasNoSayWhileItIsHalfOpen() {
    Breakers.Call leftAlone = breakers.call("d");
    Breakers.Call answered = breakers.call("d");
    halfOpen();
    leftAlone.neutral();
    Breakers.Call probe = breakers.call("d");
    assertThat(probe).isNotNull();
    assertThat(breakers.call("d")).as("an old call's end frees no second probe").isNull();
    answered.succeeded();
    assertThat(breakers.state("d")).as("only the probe decides").isEqualTo(State.HALF_OPEN);
    probe.firstContent();
    assertThat(breakers.state("d")).isEqualTo(State.CLOSED);
  }

  @Test
  void failuresCountOnlyInARow() {
    breakers.call("d").failed(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "x"));
    breakers.call("d").succeeded();
    breakers.call("d").failed(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "x"));
    assertThat(breakers.state("d")).isEqualTo(State.CLOSED);
    breakers.call("d").failed(GatewayError.of(504, ErrorKind.TIMEOUT, "x"));
    assertThat(breakers.state("d")).isEqualTo(State.OPEN);
  }

  private void halfOpen() {
    for (int i = 0; i < 2; i++) {
      breakers.call("d").failed(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "down"));
    }
    assertThat(breakers.state("d")).isEqualTo(State.OPEN);
    assertThat(breakers.call("d")).isNull();
    assertEventually(() -> assertThat(breakers.state("d")).isEqualTo(State.HALF_OPEN));
  }

  private static GatewayException failure(int status, ErrorKind kind) {
    return new GatewayException(GatewayError.of(status, kind, "x"));
  }
}
