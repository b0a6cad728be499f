package dev.modelmux.gateway;

import dev.modelmux.budget.BudgetStore;
import dev.modelmux.budget.ReserveResult;
import dev.modelmux.provider.RemainingLimits;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.routing.Deployment;
import dev.modelmux.routing.Route;
import dev.modelmux.translate.Translators;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.List;

/**
 * One request's way through its candidates: reserve budget on a deployment (no headroom: the next one), call it,
 * settle with what it really used, fail over while nothing has reached the client. When every candidate is at its
 * limit, wait for capacity up to the route's max_wait_ms, then answer 429 with the time the window needs.
 */
final class Dispatch {
  private static final long DEFAULT_PAUSE_MS = 1000;

  private final Vertx vertx;
  private final HttpClient http;
  private final BudgetStore budgets;
  private final CapacityWaiter waiter;
  private final ClientChannel client;
  private final Route route;
  private final List<Candidate> candidates;
  private final long waitDeadlineNanos;

  /** What stopped the last pass through the candidates. */
  private GatewayError lastError;
  private long soonestRetryMs;
  private ReserveResult.Reason denial;

  Dispatch(Vertx vertx, HttpClient http, BudgetStore budgets, CapacityWaiter waiter, ClientChannel client, Route route,
      List<Candidate> candidates) {
    this.vertx = vertx;
    this.http = http;
    this.budgets = budgets;
    this.waiter = waiter;
    this.client = client;
    this.route = route;
    this.candidates = candidates;
    this.waitDeadlineNanos = System.nanoTime() + route.maxWaitMs() * 1_000_000;
  }

  Future<AttemptResult> run() {
    lastError = null;
    soonestRetryMs = Long.MAX_VALUE;
    denial = null;
    return tryFrom(0);
  }

  private Future<AttemptResult> tryFrom(int index) {
    if (client.gone()) {
      return Future.failedFuture(new GatewayException(GatewayError.of(499, ErrorKind.INVALID_REQUEST, "The client closed the connection.")));
    }
    if (index >= candidates.size()) {
      return exhausted();
    }
    Candidate candidate = candidates.get(index);
    Deployment deployment = candidate.deployment();
    Translator translator;
    try {
      translator = Translators.create(client.request(), deployment.config());
    } catch (GatewayException untranslatable) {
      // This provider cannot express the request (n > 1 on Anthropic, say); a later candidate may.
      lastError = untranslatable.error();
      return tryFrom(index + 1);
    }
    return budgets.reserve(deployment.id(), deployment.limits(), candidate.reserveTokens()).compose(answer -> {
      if (answer instanceof ReserveResult.Denied denied) {
        deployment.state().headroom(denied.now());
        noteDenial(denied);
        return tryFrom(index + 1);
      }
      ReserveResult.Granted granted = (ReserveResult.Granted) answer;
      deployment.state().headroom(granted.after());
      return attempt(candidate, translator, granted).recover(failure -> {
        GatewayError error = failure instanceof GatewayException e ? e.error()
            : GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "Deployment '" + deployment.id() + "' failed.");
        if (error.kind() == ErrorKind.RATE_LIMIT_REQUESTS || error.kind() == ErrorKind.RATE_LIMIT_TOKENS) {
          budgets.pause(deployment.id(), error.retryAfterMs() > 0 ? error.retryAfterMs() : DEFAULT_PAUSE_MS);
        }
        if (client.gone() || client.committed() || !Failover.worthTryingNext(error)) {
          return Future.failedFuture(new GatewayException(error));
        }
        lastError = error;
        return tryFrom(index + 1);
      });
    });
  }

  private Future<AttemptResult> attempt(Candidate candidate, Translator translator, ReserveResult.Granted granted) {
    Deployment deployment = candidate.deployment();
    deployment.state().started();
    UpstreamAttempt attempt = new UpstreamAttempt(vertx, http, client, deployment, translator, headers -> {
      RemainingLimits remaining = deployment.provider().remaining(headers);
      if (remaining.known()) {
        budgets.observeRemaining(deployment.id(), deployment.limits(), remaining.tokens(), remaining.requests());
      }
    });
    return attempt.run().eventually(() -> {
      deployment.state().finished();
      return budgets.settle(granted.reservation(), tokensUsed(candidate, translator.usage(), attempt.contentEvents()));
    });
  }

  /**
   * What the attempt really cost: the provider's usage when it reported it; when a stream ended early (client gone,
   * provider failure) the prompt plus roughly a token per relayed event; nothing when the provider never answered.
   */
  private long tokensUsed(Candidate candidate, Usage usage, int relayedEvents) {
    if (usage.promptTokens() >= 0 && usage.completionTokens() >= 0) {
      return usage.promptTokens() + usage.completionTokens();
    }
    return client.committed() ? Math.min(candidate.reserveTokens(), candidate.promptTokens() + relayedEvents) : 0;
  }

  private void noteDenial(ReserveResult.Denied denied) {
    if (denied.reason() == ReserveResult.Reason.TOO_LARGE) {
      denial = denial == null ? denied.reason() : denial;
      return;
    }
    denial = denied.reason();
    soonestRetryMs = Math.min(soonestRetryMs, Math.max(1, denied.retryAfterMs()));
  }

  /** Every candidate said no. Wait for capacity if the route allows and a wait could help; otherwise say why. */
  private Future<AttemptResult> exhausted() {
    if (denial == null) {
      return Future.failedFuture(new GatewayException(lastError != null ? lastError
          : GatewayError.of(503, ErrorKind.OVERLOADED, "No deployment of route '" + route.name() + "' could take the request.")));
    }
    boolean canWait = soonestRetryMs != Long.MAX_VALUE;
    long waitLeftMs = (waitDeadlineNanos - System.nanoTime()) / 1_000_000;
    if (canWait && waitLeftMs > 0) {
      List<String> ids = candidates.stream().map(c -> c.deployment().id()).toList();
      return waiter.await(ids, Math.min(waitLeftMs, soonestRetryMs)).compose(v -> run());
    }
    if (!canWait) {
      return Future.failedFuture(new GatewayException(new GatewayError(429, ErrorKind.RATE_LIMIT_TOKENS,
          "Request too large for the tokens-per-minute limit of every deployment on route '" + route.name()
              + "'; reduce the prompt or max tokens.", null, "rate_limit_exceeded", 0)));
    }
    ErrorKind kind = denial == ReserveResult.Reason.REQUESTS ? ErrorKind.RATE_LIMIT_REQUESTS : ErrorKind.RATE_LIMIT_TOKENS;
    return Future.failedFuture(new GatewayException(new GatewayError(429, kind,
        "Every deployment of route '" + route.name() + "' is at its rate limit. Please try again in "
            + Math.max(1, (soonestRetryMs + 999) / 1000) + "s.", null, "rate_limit_exceeded", soonestRetryMs)));
  }
}
