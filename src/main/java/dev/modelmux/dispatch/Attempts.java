package dev.modelmux.dispatch;

import dev.modelmux.breaker.Breakers;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.budget.ReserveResult;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.Usage;
import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.exchange.Exchange;
import dev.modelmux.exchange.RequestSpans;
import dev.modelmux.metrics.DeploymentMeters;
import dev.modelmux.provider.RemainingLimits;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.routing.Deployment;
import dev.modelmux.spi.Translator;
import dev.modelmux.upstream.AttemptResult;
import dev.modelmux.upstream.UpstreamAttempt;
import dev.modelmux.upstream.UpstreamClients;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Locale;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one request's attempts on deployments it holds a reservation on: under the deployment's breaker, the
 * provider's rate-limit signals fed back to the budget store, measured, and settled with what each really used.
 */
final class Attempts {
  private static final Logger LOG = LoggerFactory.getLogger(Attempts.class);
  private static final long DEFAULT_PAUSE_MS = 1000;

  private final Vertx vertx;
  private final UpstreamClients http;
  private final BudgetStore budgets;
  private final Exchange exchange;
  private final Predicate<Candidate> leavesBreakOpen;
  /** The request's last candidate: an attempt on it has nowhere to fail over to. */
  private final Candidate last;
  private final QuotaAlarm quota;
  /** The longest a provider's retry-after may pause a deployment (and be passed on to a client). */
  private final long maxProviderPauseMs;

  /**
   * @param leavesBreakOpen whether a candidate's stream that breaks is left open for a continuation
   * @param last the request's last candidate (null if it has none)
   */
  Attempts(Shared shared, UpstreamClients http, Exchange exchange, Predicate<Candidate> leavesBreakOpen, Candidate last) {
    this.quota = shared.quota();
    this.maxProviderPauseMs = shared.resilience().maxProviderPauseMs();
    this.vertx = shared.vertx();
    this.http = http;
    this.budgets = shared.budgets();
    this.exchange = exchange;
    this.leavesBreakOpen = leavesBreakOpen;
    this.last = last;
  }

  /**
   * Starts an admitted attempt under the breaker's leave it was admitted with. A 429 pauses the deployment for every
   * replica. When it takes the client's response, the response says what it was rendered from and how far its context
   * was trimmed.
   */
  RunningAttempt start(Admission.Admitted admitted) {
    Candidate candidate = admitted.candidate();
    Translator translator = admitted.translator();
    ReserveResult.Granted granted = admitted.granted();
    Deployment deployment = candidate.deployment();
    Breakers.Call call = admitted.call();
    UpstreamAttempt attempt = newAttempt(candidate, granted, translator).leavesBrokenStreamOpen(leavesBreakOpen.test(candidate));
    if (candidate == last) {
      attempt.nowhereElseToGo();
    }
    exchange.onCommit(winner -> {
      if (winner != attempt) {
        return;
      }
      call.firstContent();
      exchange.prompt(candidate.prompt() == null ? null : candidate.prompt().label());
      exchange.tokensTrimmed(candidate.tokensTrimmed());
    });
    Future<AttemptResult> result = measured(call, candidate, translator, granted, attempt).recover(failure -> {
      if (failure instanceof GatewayException e) {
        GatewayError bounded = bounded(e.error());
        limited(deployment, bounded);
        return Future.failedFuture(bounded == e.error() ? failure : new GatewayException(bounded));
      }
      return Future.failedFuture(failure);
    });
    return new RunningAttempt(attempt, result);
  }

  /** Continues a broken stream into the client's open response; fails (the caller ends the stream) if it cannot. */
  Future<AttemptResult> continueWith(Admission.Admitted admitted) {
    Candidate candidate = admitted.candidate();
    Translator translator = admitted.translator();
    ReserveResult.Granted granted = admitted.granted();
    return measured(admitted.call(), candidate, translator, granted,
        newAttempt(candidate, granted, translator).appendsToCommittedStream());
  }

  /** The error with its retry-after cut to max_provider_pause_ms: a provider must not park a deployment for years. */
  private GatewayError bounded(GatewayError error) {
    if (error.retryAfterMs() <= maxProviderPauseMs) {
      return error;
    }
    return new GatewayError(error.status(), error.kind(), error.message(), error.param(), error.code(), maxProviderPauseMs);
  }

  /** A 429 pauses the deployment for every replica for its retry-after; an exhausted quota for much longer. */
  private void limited(Deployment deployment, GatewayError error) {
    if (error.kind() == ErrorKind.RATE_LIMIT_REQUESTS || error.kind() == ErrorKind.RATE_LIMIT_TOKENS) {
      budgets.pause(deployment.id(), error.retryAfterMs() > 0 ? error.retryAfterMs() : DEFAULT_PAUSE_MS);
      deployment.meters().paused(false);
    } else if (error.kind() == ErrorKind.QUOTA_EXCEEDED) {
      quota.exhausted(deployment, error);
    }
  }

  private UpstreamAttempt newAttempt(Candidate candidate, ReserveResult.Granted granted, Translator translator) {
    Deployment deployment = candidate.deployment();
    return new UpstreamAttempt(vertx, http, exchange, deployment, translator, headers -> {
      RemainingLimits remaining = deployment.provider().remaining(headers);
      if (remaining.tighterThan(granted.after().tokensLeft(), granted.after().requestsLeft())) {
        budgets.observeRemaining(deployment.id(), deployment.limits(), remaining.tokens(), remaining.requests());
      }
    });
  }

  /** The attempt's outcome told to its breaker and meters the moment it ends, before its reservation is settled. */
  private Future<AttemptResult> measured(Breakers.Call call, Candidate candidate, Translator translator, ReserveResult.Granted granted,
      UpstreamAttempt attempt) {
    Deployment deployment = candidate.deployment();
    deployment.state().started();
    Span span = RequestSpans.attempt(exchange.tracer(), deployment, exchange.route());
    Future<AttemptResult> running;
    try {
      running = attempt.run();
    } catch (RuntimeException bug) {
      LOG.error("attempt on deployment {} could not start", deployment.id(), bug);
      running = Future.failedFuture(new GatewayException(GatewayError.of(500, ErrorKind.INTERNAL,
          "The gateway failed to serve this request.")));
    }
    return running.andThen(outcome -> {
      BreakerOutcome.tell(call, outcome);
      if (outcome.failed() && outcome.cause() instanceof UpstreamAttempt.HedgeLost) {
        return;
      }
      ErrorKind failure = outcome.succeeded()
          ? (outcome.result().errorAfterCommit() == null ? null : outcome.result().errorAfterCommit().kind())
          : (outcome.cause() instanceof GatewayException e ? e.error().kind() : ErrorKind.INTERNAL);
      DeploymentMeters meters = deployment.meters();
      String label = failure == null ? "ok" : clientEnded(outcome.cause()) ? clientOutcome() : failure.name().toLowerCase(Locale.ROOT);
      meters.attempt(label);
      exchange.attemptEnded(deployment.id(), label);
      RequestSpans.ended(span, label, translator.usage().promptTokens(), translator.usage().completionTokens());
      if (attempt.ttftMs() >= 0) {
        meters.ttft(attempt.ttftMs());
      }
      meters.duration(attempt.elapsedMs());
      meters.tokens(translator.usage().promptTokens(), translator.usage().completionTokens());
    }).eventually(() -> budgets.settle(granted.reservation(), charge(candidate, translator.usage(), attempt.contentEvents()))
        // In flight until settled, so a drain also waits for the settle.
        .andThen(settled -> deployment.state().finished()))
        .map(result -> result.withUsageOr(new Usage(candidate.promptTokens(), attempt.contentEvents())));
  }

  /** The attempt was ended by its client (gone, or stalled reading), not by the request or the provider. */
  private static boolean clientEnded(Throwable cause) {
    return cause instanceof GatewayException e && e.error().status() == ClientResponse.CLIENT_GONE;
  }

  private String clientOutcome() {
    return exchange.response().stalled() ? "client_stalled" : "client_gone";
  }

  /**
   * What the attempt really cost, in tokens (returned, for its budget) and in money (added to the request's bill): the
   * provider's usage when it reported it; when a stream ended early (client gone, provider failure) the prompt plus
   * roughly a token per relayed event; nothing when the provider never answered.
   */
  private long charge(Candidate candidate, Usage usage, int relayedEvents) {
    long prompt;
    long completion;
    if (usage.promptTokens() >= 0 && usage.completionTokens() >= 0) {
      prompt = usage.promptTokens();
      completion = usage.completionTokens();
    } else if (exchange.response().committed()) {
      prompt = Math.min(candidate.reserveTokens(), candidate.promptTokens());
      completion = Math.min(candidate.reserveTokens() - prompt, relayedEvents);
    } else {
      return 0;
    }
    double usd = candidate.deployment().cost(prompt, completion);
    exchange.bill().add(prompt, completion, usd);
    candidate.deployment().meters().spent(usd);
    return prompt + completion;
  }
}
