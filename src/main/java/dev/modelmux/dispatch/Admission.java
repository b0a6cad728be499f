package dev.modelmux.dispatch;

import dev.modelmux.breaker.Breakers;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.budget.Headroom;
import dev.modelmux.budget.ReserveResult;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.routing.Deployment;
import dev.modelmux.spi.Translator;
import io.vertx.core.Future;

/**
 * Whether a candidate may take an attempt now, in one short chain: its breaker's leave (while half-open: this process's
 * one probe, then the replicas' claim on it), the caller's hold, its budget (a reservation), the grant, a translator for
 * its provider. {@link Admitted}: the attempt may start, its breaker's leave and reservation held; otherwise the typed
 * reason it was skipped, with nothing held (a reservation taken is given back, a probe and its claim freed). Used by the
 * candidate walk ({@link Dispatch}), the hedge ({@link HedgedRace}) and the continuation ({@link Continuation}).
 */
final class Admission {
  /** What the caller adds to the chain: its translator, and (pass-through by default) when it passes a candidate over. */
  interface Terms {
    /** The candidate's translator; a {@link GatewayException} says its provider cannot express the request. */
    Translator translate(Candidate candidate);

    /** Checked once the breaker allows the candidate, before its budget is asked: true skips it ({@link HeldBack}). */
    default boolean holdBack() {
      return false;
    }

    /** Checked once the budget granted the candidate: false gives the reservation back ({@link NotWanted}). */
    default boolean stillWanted() {
      return true;
    }
  }

  sealed interface Result {}

  /** The attempt may start: the candidate, its breaker's leave (to be told the outcome), its reservation and its translator. */
  record Admitted(Candidate candidate, Breakers.Call call, ReserveResult.Granted granted, Translator translator) implements Result {}

  /** Its breaker is open (or its half-open probe is out, here or on another replica). */
  record BreakerOpen(Deployment deployment) implements Result {}

  /** The caller held it back before asking its budget. */
  record HeldBack() implements Result {}

  /** Its budget has no room for the request now. */
  record NoBudget(ReserveResult.Denied denied) implements Result {}

  /** Granted, but the caller no longer wants it. */
  record NotWanted() implements Result {}

  /** Its provider cannot express the request (n > 1 on Anthropic, say); {@code after}: its headroom when granted. */
  record Untranslatable(GatewayError error, Headroom after) implements Result {}

  private final BudgetStore budgets;
  private final Breakers breakers;

  Admission(BudgetStore budgets, Breakers breakers) {
    this.budgets = budgets;
    this.breakers = breakers;
  }

  Future<Result> admit(Candidate candidate, Terms terms) {
    Deployment deployment = candidate.deployment();
    // This process's own leave first: while its half-open probe is out, Redis is not even asked.
    Breakers.Call call = breakers.call(deployment.id());
    if (call == null) {
      return Future.succeededFuture(new BreakerOpen(deployment));
    }
    // One replica probes at a time: one that does not hold the probe's claim takes the deployment for open.
    Future<Boolean> mine = call.probe() ? breakers.claimProbe(deployment.id()) : Future.succeededFuture(true);
    return mine.compose(claimed -> claimed ? budgeted(candidate, call, terms) : Future.succeededFuture(new BreakerOpen(deployment)))
        .andThen(admitted -> {
          if (admitted.failed() || !(admitted.result() instanceof Admitted)) {
            call.neutral(); // not sent: the probe (and its claim) is free for the next request, here or on another replica
          }
        });
  }

  private Future<Result> budgeted(Candidate candidate, Breakers.Call call, Terms terms) {
    Deployment deployment = candidate.deployment();
    if (terms.holdBack()) {
      return Future.succeededFuture(new HeldBack());
    }
    return budgets.reserve(deployment.id(), deployment.limits(), candidate.reserveTokens()).map(answer -> {
      if (answer instanceof ReserveResult.Denied denied) {
        return new NoBudget(denied);
      }
      ReserveResult.Granted granted = (ReserveResult.Granted) answer;
      if (!terms.stillWanted()) {
        budgets.settle(granted.reservation(), 0);
        return new NotWanted();
      }
      try {
        return new Admitted(candidate, call, granted, terms.translate(candidate));
      } catch (GatewayException untranslatable) {
        budgets.settle(granted.reservation(), 0);
        return new Untranslatable(untranslatable.error(), granted.after());
      }
    });
  }
}
