package dev.modelmux.dispatch;

import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.exchange.Exchange;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.routing.Deployment;
import dev.modelmux.spi.Translator;
import dev.modelmux.translate.Translators;
import dev.modelmux.upstream.AttemptResult;
import dev.modelmux.upstream.UpstreamAttempt;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Predicate;

/**
 * Hedging for one request: if the primary has sent no answer text after a delay, the next candidate starts too (only
 * if its breaker and budget allow); the first to produce content wins, the other is cancelled and settles.
 */
final class HedgedRace {
  /** Starts an attempt on a candidate. */
  interface Starter {
    RunningAttempt start(Admission.Admitted admitted);
  }

  private final Vertx vertx;
  private final Exchange exchange;
  private final ClientResponse client;
  private final Admission admission;
  private final Starter starter;
  private final Predicate<Candidate> keepText;
  private RunningAttempt primary;
  private RunningAttempt secondary;
  private long timer = -1;

  HedgedRace(Vertx vertx, Exchange exchange, Admission admission, Predicate<Candidate> keepText, Starter starter) {
    this.keepText = keepText;
    this.vertx = vertx;
    this.exchange = exchange;
    this.client = exchange.response();
    this.admission = admission;
    this.starter = starter;
  }

  /** Whether the second attempt was started (the failover that follows then skips its candidate). */
  boolean started() {
    return secondary != null;
  }

  Future<AttemptResult> race(RunningAttempt first, Candidate next, long delayMs) {
    Promise<AttemptResult> outcome = Promise.promise();
    primary = first;
    exchange.onCommit(this::committed);
    timer = vertx.setTimer(delayMs, id -> startSecond(next, outcome));
    first.result().onComplete(ar -> {
      vertx.cancelTimer(timer);
      settle(ar, secondary, outcome);
    });
    return outcome.future();
  }

  private void startSecond(Candidate next, Promise<AttemptResult> outcome) {
    if (!wanted()) {
      return; // a primary whose text post-processing holds is answering, not slow
    }
    admission.admit(next, new Admission.Terms() {
      @Override
      public Translator translate(Candidate candidate) {
        return Translators.create(candidate.request(), candidate.deployment().config(), keepText.test(candidate), PromptFilters.of(candidate, exchange));
      }

      @Override
      public boolean stillWanted() {
        return wanted();
      }
    }).onSuccess(admitted -> {
      if (!(admitted instanceof Admission.Admitted go)) {
        return; // never hedge without a breaker that allows it and headroom for the second request
      }
      Deployment deployment = next.deployment();
      deployment.state().headroom(go.granted().after());
      secondary = starter.start(go);
      secondary.result().onComplete(ar -> {
        deployment.meters().hedge(ar.succeeded());
        settle(ar, primary, outcome);
      });
    });
  }

  private boolean wanted() {
    return !client.committed() && !client.gone() && !primary.result().isComplete() && !primary.attempt().answering();
  }

  /** The first to commit wins the race: the other one loses. */
  private void committed(Object winner) {
    if (winner == primary.attempt() && secondary != null) {
      secondary.attempt().lose();
    } else if (secondary != null && winner == secondary.attempt()) {
      primary.attempt().lose();
    }
  }

  /** One side finished: a success wins; a loss steps aside; a failure waits for the other side if it still runs. */
  private static void settle(AsyncResult<AttemptResult> finished, RunningAttempt other, Promise<AttemptResult> outcome) {
    if (finished.succeeded()) {
      outcome.tryComplete(finished.result());
    } else if (finished.cause() instanceof UpstreamAttempt.HedgeLost) {
      return;
    } else if (other == null || other.result().isComplete() && other.result().failed()) {
      outcome.tryFail(finished.cause());
    } else if (!other.result().isComplete()) {
      other.result().onComplete(ar -> {
        if (ar.failed()) {
          outcome.tryFail(finished.cause());
        }
      });
    }
  }
}
