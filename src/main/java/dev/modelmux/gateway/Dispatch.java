package dev.modelmux.gateway;

import dev.modelmux.core.Usage;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.Translator;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.budget.ReserveResult;
import dev.modelmux.metrics.DeploymentMeters;
import dev.modelmux.provider.RemainingLimits;
import dev.modelmux.resilience.Breakers;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.routing.Deployment;
import dev.modelmux.routing.Route;
import dev.modelmux.translate.ContinuationTranslator;
import dev.modelmux.translate.Translators;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One request's way through its candidates: skip deployments whose breaker is open, reserve budget (no headroom: the
 * next one), call it under its breaker, settle with what it really used, retry a transient error once on the same
 * deployment after a jittered backoff, fail over while nothing has reached the client. When every candidate is at its
 * limit, wait for capacity up to the route's max_wait_ms, then answer 429 with the time the window needs.
 */
final class Dispatch {
  private static final long DEFAULT_PAUSE_MS = 1000;
  /** A provider 429 asking for no more than this is waited out on the last candidate instead of returned. */
  private static final long SHORT_RETRY_AFTER_MS = 2000;
  private static final long RETRY_AFTER_SLACK_MS = 20;

  private final Vertx vertx;
  private final HttpClient http;
  private final BudgetStore budgets;
  private final Breakers breakers;
  private final long retryBackoffMs;
  private final CapacityWaiter waiter;
  private final ClientChannel client;
  private final Route route;
  private final List<Candidate> candidates;
  private final long waitDeadlineNanos;

  /** What stopped the last pass through the candidates. */
  private GatewayError lastError;
  private long soonestRetryMs;
  private ReserveResult.Reason denial;
  /** Per candidate: until when its last denial said it has no room (System.nanoTime), so a woken pass skips it. */
  private final long[] deniedUntilNanos;
  private final ReserveResult.Reason[] deniedFor;
  /** The deployment whose freed budget woke this pass, or null. */
  private String wokenBy;

  Dispatch(Vertx vertx, HttpClient http, BudgetStore budgets, Breakers breakers, long retryBackoffMs,
      CapacityWaiter waiter, ClientChannel client, Route route, List<Candidate> candidates) {
    this.vertx = vertx;
    this.http = http;
    this.budgets = budgets;
    this.breakers = breakers;
    this.retryBackoffMs = retryBackoffMs;
    this.waiter = waiter;
    this.client = client;
    this.route = route;
    this.candidates = candidates;
    this.waitDeadlineNanos = System.nanoTime() + route.maxWaitMs() * 1_000_000;
    this.deniedUntilNanos = new long[candidates.size()];
    this.deniedFor = new ReserveResult.Reason[candidates.size()];
  }

  Future<AttemptResult> run() {
    return run(null);
  }

  private Future<AttemptResult> run(String wokenBy) {
    this.wokenBy = wokenBy;
    lastError = null;
    soonestRetryMs = Long.MAX_VALUE;
    denial = null;
    return tryFrom(0);
  }

  private Future<AttemptResult> tryFrom(int index) {
    return tryCandidate(index, false);
  }

  /** @param isRetry this candidate already failed once with a transient error; it gets no second retry */
  private Future<AttemptResult> tryCandidate(int index, boolean isRetry) {
    if (client.gone()) {
      return Future.failedFuture(new GatewayException(GatewayError.of(499, ErrorKind.INVALID_REQUEST, "The client closed the connection.")));
    }
    if (index >= candidates.size()) {
      return exhausted();
    }
    Candidate candidate = candidates.get(index);
    Deployment deployment = candidate.deployment();
    if (!breakers.allows(deployment.id())) {
      lastError = GatewayError.of(503, ErrorKind.OVERLOADED, "Deployment '" + deployment.id() + "' is failing; its breaker is open.");
      return tryFrom(index + 1);
    }
    if (wokenBy != null && !wokenBy.equals(deployment.id()) && deniedUntilNanos[index] - System.nanoTime() > 0) {
      // Woken by budget freed elsewhere: this one said it has no room yet, so do not ask it again.
      noteDenial(index, deniedFor[index], (deniedUntilNanos[index] - System.nanoTime()) / 1_000_000);
      return tryFrom(index + 1);
    }
    return budgets.reserve(deployment.id(), deployment.limits(), candidate.reserveTokens()).compose(answer -> {
      if (answer instanceof ReserveResult.Denied denied) {
        deployment.state().headroom(denied.now());
        noteDenial(index, denied.reason(), denied.retryAfterMs());
        return tryFrom(index + 1);
      }
      ReserveResult.Granted granted = (ReserveResult.Granted) answer;
      deployment.state().headroom(granted.after());
      Translator translator;
      try {
        translator = Translators.create(candidate.request(), deployment.config(), route.continueOnFailure());
      } catch (GatewayException untranslatable) {
        // This provider cannot express the request (n > 1 on Anthropic, say); a later candidate may.
        budgets.settle(granted.reservation(), 0);
        lastError = untranslatable.error();
        return tryFrom(index + 1);
      }
      HedgedRace hedge = new HedgedRace(vertx, client, budgets, breakers, route.continueOnFailure(), this::start);
      RunningAttempt primary = start(candidate, translator, granted, () -> {
        client.contextTrimmed(candidate.tokensTrimmed());
        hedge.primaryCommitted();
      });
      long hedgeAfter = isRetry || index + 1 >= candidates.size() ? 0 : hedgeDelayMs(deployment);
      Future<AttemptResult> outcome = hedgeAfter > 0 ? hedge.race(primary, candidates.get(index + 1), hedgeAfter) : primary.result();
      return outcome.compose(result -> result.continueFrom() == null ? Future.succeededFuture(result)
          : continueStream(index + (hedge.started() ? 2 : 1), result)).recover(failure -> {
        GatewayError error = failure instanceof GatewayException e ? e.error()
            : GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "Deployment '" + deployment.id() + "' failed.");
        if (client.gone() || client.committed() || !Failover.worthTryingNext(error, route.failoverOnContentFilter())) {
          return Future.failedFuture(new GatewayException(error));
        }
        if (!isRetry && !hedge.started() && worthRetrying(error)) {
          long backoff = retryBackoffMs + (long) (ThreadLocalRandom.current().nextDouble() * retryBackoffMs);
          return vertx.timer(Math.max(1, backoff)).compose(v -> tryCandidate(index, true));
        }
        if (!isRetry && !hedge.started() && index + 1 >= candidates.size() && shortRateLimit(error)) {
          // The last candidate asked for a short wait: wait it out (once) rather than answer 429.
          return vertx.timer(error.retryAfterMs() + RETRY_AFTER_SLACK_MS).compose(v -> tryCandidate(index, true));
        }
        lastError = error;
        return tryFrom(index + (hedge.started() ? 2 : 1));
      });
    });
  }

  /**
   * Starts an attempt under its deployment's breaker. A 429 pauses the deployment for every replica; a half-open
   * breaker that already has its probe out sends the request elsewhere and gives the reservation back.
   */
  private RunningAttempt start(Candidate candidate, Translator translator, ReserveResult.Granted granted, Runnable onCommit) {
    Deployment deployment = candidate.deployment();
    UpstreamAttempt attempt = newAttempt(candidate, translator, granted).onCommit(onCommit);
    Future<AttemptResult> result = breakers.guard(deployment.id(), () -> run(candidate, translator, granted, attempt), AttemptResult::errorAfterCommit)
        .recover(failure -> {
          if (Breakers.isOpenCircuit(failure)) {
            budgets.settle(granted.reservation(), 0);
            return Future.failedFuture(new GatewayException(GatewayError.of(503, ErrorKind.OVERLOADED,
                "Deployment '" + deployment.id() + "' is being probed after failures.")));
          }
          if (failure instanceof GatewayException e
              && (e.error().kind() == ErrorKind.RATE_LIMIT_REQUESTS || e.error().kind() == ErrorKind.RATE_LIMIT_TOKENS)) {
            budgets.pause(deployment.id(), e.error().retryAfterMs() > 0 ? e.error().retryAfterMs() : DEFAULT_PAUSE_MS);
            deployment.meters().paused(false);
          }
          return Future.failedFuture(failure);
        });
    return new RunningAttempt(attempt, result);
  }

  /** The route's fixed hedge delay, or with "auto" the deployment's recent p95 time to first token. */
  private long hedgeDelayMs(Deployment deployment) {
    long configured = route.hedgeAfterMs();
    if (configured == Route.HEDGE_AUTO) {
      return deployment.state().ttftP95Ms();
    }
    return Math.max(0, configured);
  }

  private UpstreamAttempt newAttempt(Candidate candidate, Translator translator, ReserveResult.Granted granted) {
    Deployment deployment = candidate.deployment();
    return new UpstreamAttempt(vertx, http, client, deployment, translator, headers -> {
      RemainingLimits remaining = deployment.provider().remaining(headers);
      if (remaining.tighterThan(granted.after().tokensLeft(), granted.after().requestsLeft())) {
        budgets.observeRemaining(deployment.id(), deployment.limits(), remaining.tokens(), remaining.requests());
      }
    }).continuable(route.continueOnFailure());
  }

  /**
   * A text stream broke after the client had part of it and the route continues failed streams: the next candidate
   * that has room continues it into the same client stream. If it cannot (rejects the prefill, diverges, fails),
   * the stream ends with the original error, never with the continuation's.
   */
  private Future<AttemptResult> continueStream(int index, AttemptResult broken) {
    GatewayError original = broken.errorAfterCommit();
    if (index >= candidates.size() || client.gone()) {
      return endWith(original, broken);
    }
    Candidate candidate = candidates.get(index);
    Deployment deployment = candidate.deployment();
    if (!breakers.allows(deployment.id())) {
      return continueStream(index + 1, broken);
    }
    ContinuationTranslator translator;
    try {
      translator = ContinuationTranslator.create(candidate.request(), deployment.config(), broken.continueFrom(), original);
    } catch (GatewayException untranslatable) {
      return continueStream(index + 1, broken);
    }
    return budgets.reserve(deployment.id(), deployment.limits(), candidate.reserveTokens()).compose(answer -> {
      if (!(answer instanceof ReserveResult.Granted granted)) {
        return continueStream(index + 1, broken);
      }
      UpstreamAttempt attempt = newAttempt(candidate, translator, granted).continuing();
      return breakers.guard(deployment.id(), () -> run(candidate, translator, granted, attempt), AttemptResult::errorAfterCommit).recover(failure -> {
        if (Breakers.isOpenCircuit(failure)) {
          budgets.settle(granted.reservation(), 0);
        }
        return endWith(original, broken);
      });
    });
  }

  private Future<AttemptResult> endWith(GatewayError original, AttemptResult broken) {
    client.endWithError(original);
    return Future.succeededFuture(new AttemptResult(broken.deployment(), broken.usage(), original));
  }

  private Future<AttemptResult> run(Candidate candidate, Translator translator, ReserveResult.Granted granted, UpstreamAttempt attempt) {
    Deployment deployment = candidate.deployment();
    deployment.state().started();
    return attempt.run().andThen(outcome -> {
      if (outcome.failed() && outcome.cause() instanceof UpstreamAttempt.HedgeLost) {
        return;
      }
      ErrorKind failure = outcome.succeeded()
          ? (outcome.result().errorAfterCommit() == null ? null : outcome.result().errorAfterCommit().kind())
          : (outcome.cause() instanceof GatewayException e ? e.error().kind() : ErrorKind.INTERNAL);
      DeploymentMeters meters = deployment.meters();
      meters.attempt(failure == null ? "ok" : failure.name().toLowerCase(Locale.ROOT));
      if (attempt.ttftMs() >= 0) {
        meters.ttft(attempt.ttftMs());
      }
      meters.duration(attempt.elapsedMs());
      meters.tokens(translator.usage().promptTokens(), translator.usage().completionTokens());
    }).eventually(() -> {
      deployment.state().finished();
      return budgets.settle(granted.reservation(), tokensUsed(candidate, translator.usage(), attempt.contentEvents()));
    });
  }

  private static boolean shortRateLimit(GatewayError error) {
    boolean rateLimited = error.kind() == ErrorKind.RATE_LIMIT_REQUESTS || error.kind() == ErrorKind.RATE_LIMIT_TOKENS;
    return rateLimited && error.retryAfterMs() > 0 && error.retryAfterMs() <= SHORT_RETRY_AFTER_MS;
  }

  /** A 500 or a connection that broke before any answer: worth one more try on the same deployment. Silence is not. */
  private static boolean worthRetrying(GatewayError error) {
    return error.kind() == ErrorKind.UPSTREAM_UNREACHABLE || (error.kind() == ErrorKind.UPSTREAM_ERROR && error.status() == 500);
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

  private void noteDenial(int index, ReserveResult.Reason reason, long retryAfterMs) {
    if (reason == ReserveResult.Reason.TOO_LARGE) {
      denial = denial == null ? reason : denial;
      return;
    }
    if (denial != ReserveResult.Reason.UNAVAILABLE) {
      denial = reason;
    }
    soonestRetryMs = Math.min(soonestRetryMs, Math.max(1, retryAfterMs));
    deniedUntilNanos[index] = System.nanoTime() + Math.max(1, retryAfterMs) * 1_000_000;
    deniedFor[index] = reason;
  }

  /** Every candidate said no. Wait for capacity if the route allows and a wait could help; otherwise say why. */
  private Future<AttemptResult> exhausted() {
    if (denial == null) {
      return Future.failedFuture(new GatewayException(lastError != null ? lastError
          : GatewayError.of(503, ErrorKind.OVERLOADED, "No deployment of route '" + route.name() + "' could take the request.")));
    }
    if (denial == ReserveResult.Reason.UNAVAILABLE) {
      return Future.failedFuture(new GatewayException(new GatewayError(503, ErrorKind.OVERLOADED,
          "The shared rate-limit budget of route '" + route.name() + "' is unavailable; please try again shortly.", null, null,
          Math.max(1000, soonestRetryMs))));
    }
    boolean canWait = soonestRetryMs != Long.MAX_VALUE;
    long waitLeftMs = (waitDeadlineNanos - System.nanoTime()) / 1_000_000;
    if (canWait && waitLeftMs > 0) {
      Map<String, Long> needs = new HashMap<>();
      for (Candidate c : candidates) {
        needs.merge(c.deployment().id(), (long) c.reserveTokens(), Math::min);
      }
      return waiter.await(needs, Math.min(waitLeftMs, soonestRetryMs)).compose(this::run);
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
