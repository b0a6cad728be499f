package dev.modelmux.dispatch;

import dev.modelmux.budget.ReserveResult;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.exchange.Exchange;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.routing.Deployment;
import dev.modelmux.routing.Route;
import dev.modelmux.spi.Translator;
import dev.modelmux.translate.ContinuationRules;
import dev.modelmux.translate.Translators;
import dev.modelmux.upstream.AttemptResult;
import dev.modelmux.upstream.UpstreamClients;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One request's walk through its candidates, and only that: admit one ({@link Admission}: its breaker, its budget, a
 * translator; skipped: the next one), start it ({@link Attempts}) — hedged
 * ({@link HedgedRace}) when the route says so, continued ({@link Continuation}) when its stream breaks — retry a
 * fast transient error once on the same deployment after a jittered backoff (never silence), fail over while nothing
 * has reached the client. When every candidate is at its limit, wait for capacity up to the route's max_wait_ms, then answer 429
 * with the time the window needs.
 */
public final class Dispatch {
  private static final long RETRY_AFTER_SLACK_MS = 20;
  /**
   * How long a request rides out a shared budget that failed to answer (one lost Redis call, a Redis restarting):
   * long enough for the budget store to switch to its local share or back, short of a real outage's 503.
   */
  static final long BUDGET_GLITCH_GRACE_MS = 1_000;

  private final Vertx vertx;
  private final Admission admission;
  private final long retryBackoffMs;
  private final CapacityWaiter waiter;
  private final Exchange exchange;
  private final ClientResponse client;
  private final Route route;
  private final List<Candidate> candidates;
  private final long waitDeadlineNanos;
  private final long budgetGraceDeadlineNanos;
  private final Attempts attempts;
  private final Continuation continuation;

  /** What stopped the last pass through the candidates. */
  private GatewayError lastError;
  private long soonestRetryMs;
  private ReserveResult.Reason denial;
  /** Per candidate: until when its last denial said it has no room (System.nanoTime), so a woken pass skips it. */
  private final long[] deniedUntilNanos;
  private final ReserveResult.Reason[] deniedFor;
  private final TierWait tierWait;
  /** The deployment whose freed budget woke this pass, or null. */
  private String wokenBy;

  /** @param http this event loop's clients to the deployments */
  public Dispatch(Shared shared, UpstreamClients http, Exchange exchange, Route route, List<Candidate> candidates) {
    this.vertx = shared.vertx();
    this.admission = shared.admission();
    this.retryBackoffMs = shared.resilience().retryBackoffMs();
    this.waiter = shared.waiter();
    this.exchange = exchange;
    this.client = exchange.response();
    this.route = route;
    this.candidates = candidates;
    this.waitDeadlineNanos = System.nanoTime() + route.maxWaitMs() * 1_000_000;
    this.budgetGraceDeadlineNanos = System.nanoTime() + Math.max(route.maxWaitMs(), BUDGET_GLITCH_GRACE_MS) * 1_000_000;
    this.deniedUntilNanos = new long[candidates.size()];
    this.deniedFor = new ReserveResult.Reason[candidates.size()];
    this.tierWait = new TierWait(route.maxWaitMs());
    this.attempts = new Attempts(shared, http, exchange, this::continues,
        candidates.isEmpty() ? null : candidates.get(candidates.size() - 1));
    this.continuation = new Continuation(admission, attempts, exchange, candidates);
  }

  public Future<AttemptResult> run() {
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
      return Future.failedFuture(new GatewayException(GatewayError.of(ClientResponse.CLIENT_GONE, ErrorKind.INVALID_REQUEST, "The client closed the connection.")));
    }
    if (index >= candidates.size()) {
      return exhausted();
    }
    Candidate candidate = candidates.get(index);
    Deployment deployment = candidate.deployment();
    return admission.admit(candidate, new Admission.Terms() {
      @Override
      public Translator translate(Candidate c) {
        return Translators.create(c.request(), deployment.config(), continues(c), PromptFilters.of(c, exchange));
      }

      @Override
      public boolean holdBack() {
        // Woken by budget freed elsewhere: this one said it has no room yet, so do not ask it again.
        return wokenBy != null && !wokenBy.equals(deployment.id()) && deniedUntilNanos[index] - System.nanoTime() > 0;
      }
    }).compose(admitted -> {
      if (admitted instanceof Admission.Admitted go) {
        deployment.state().headroom(go.granted().after());
        return attempt(index, isRetry, go);
      }
      if (admitted instanceof Admission.BreakerOpen) {
        lastError = GatewayError.of(503, ErrorKind.OVERLOADED, "Deployment '" + deployment.id() + "' is failing; its breaker is open.");
      } else if (admitted instanceof Admission.HeldBack) {
        noteDenial(index, deniedFor[index], (deniedUntilNanos[index] - System.nanoTime()) / 1_000_000);
      } else if (admitted instanceof Admission.NoBudget noBudget) {
        deployment.state().headroom(noBudget.denied().now());
        noteDenial(index, noBudget.denied().reason(), noBudget.denied().retryAfterMs());
      } else if (admitted instanceof Admission.Untranslatable untranslatable) {
        // This provider cannot express the request; a later candidate may.
        deployment.state().headroom(untranslatable.after());
        lastError = untranslatable.error();
      }
      tierWait.obstacle(candidate.tier(), null);
      return tryFrom(index + 1);
    });
  }

  /** The admitted candidate's attempt, hedged when the route says so, continued when its stream breaks; failed over if it fails. */
  private Future<AttemptResult> attempt(int index, boolean isRetry, Admission.Admitted admitted) {
    Candidate candidate = admitted.candidate();
    Deployment deployment = candidate.deployment();
    HedgedRace hedge = new HedgedRace(vertx, exchange, admission, this::continues, attempts::start);
    RunningAttempt primary = attempts.start(admitted);
    long hedgeAfter = isRetry || index + 1 >= candidates.size() ? 0 : hedgeDelayMs(deployment);
    Future<AttemptResult> outcome = hedgeAfter > 0 ? hedge.race(primary, candidates.get(index + 1), hedgeAfter) : primary.result();
    return outcome.compose(result -> result.continueFrom() == null ? Future.succeededFuture(result)
        : continuation.from(index + (hedge.started() ? 2 : 1), result)).recover(failure -> {
      GatewayError error = failure instanceof GatewayException e ? e.error()
          : GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "Deployment '" + deployment.id() + "' failed.");
      if (client.gone() || client.committed() || !Failover.worthTryingNext(error, route.failoverOnContentFilter())) {
        return Future.failedFuture(new GatewayException(error));
      }
      if (!isRetry && !hedge.started() && Failover.worthRetrying(error, primary.attempt().silentMs())) {
        long backoff = retryBackoffMs + (long) (ThreadLocalRandom.current().nextDouble() * retryBackoffMs);
        return vertx.timer(Math.max(1, backoff)).compose(v -> tryCandidate(index, true));
      }
      lastError = error;
      int next = index + (hedge.started() ? 2 : 1);
      tierWait.obstacle(candidate.tier(), error);
      long waitMs = hedge.started() || !leavesTier(index, next) ? -1 : tierWait.beforeLeaving(candidate.tier());
      if (waitMs >= 0) {
        // The tier's only obstacle was a short retry-after: wait it out once rather than answer with a weaker model (or 429).
        return vertx.timer(waitMs + RETRY_AFTER_SLACK_MS).compose(v -> tryCandidate(tierStart(index), true));
      }
      return tryFrom(next);
    });
  }

  /**
   * Whether a stream of this candidate that breaks is left open for the next candidate to continue: when the route
   * continues failed streams (the default), a later candidate exists, and the request is one a continuation can
   * finish faithfully ({@link ContinuationRules}). Only then is the answer's text kept.
   */
  private boolean continues(Candidate candidate) {
    return route.continueOnFailure() && candidates.size() > 1 && ContinuationRules.allow(candidate.request());
  }

  private boolean leavesTier(int index, int next) {
    return next >= candidates.size() || candidates.get(next).tier() != candidates.get(index).tier();
  }

  private int tierStart(int index) {
    int start = index;
    while (start > 0 && candidates.get(start - 1).tier() == candidates.get(index).tier()) {
      start--;
    }
    return start;
  }

  /** The route's fixed hedge delay, or with "auto" the deployment's recent p95 time to first token. */
  private long hedgeDelayMs(Deployment deployment) {
    long configured = route.hedgeAfterMs();
    if (configured == Route.HEDGE_AUTO) {
      return deployment.state().ttftP95Ms();
    }
    return Math.max(0, configured);
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
      long graceLeftMs = (budgetGraceDeadlineNanos - System.nanoTime()) / 1_000_000;
      if (soonestRetryMs < graceLeftMs) {
        return vertx.timer(Math.max(1, soonestRetryMs)).compose(v -> run());
      }
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
