package dev.modelmux.gateway;

import dev.modelmux.budget.BudgetStore;
import dev.modelmux.budget.ReserveResult;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.resilience.Breakers;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.routing.Deployment;
import dev.modelmux.translate.ContinuationTranslator;
import io.vertx.core.Future;
import java.util.List;

/**
 * A text stream broke after the client had part of it and the route continues failed streams: the next candidate
 * that has room continues it into the same client stream. If it cannot (rejects the prefill, diverges, fails), the
 * stream ends with the original error, never with the continuation's.
 */
final class Continuation {
  private final BudgetStore budgets;
  private final Breakers breakers;
  private final Attempts attempts;
  private final ClientResponse client;
  private final List<Candidate> candidates;

  Continuation(BudgetStore budgets, Breakers breakers, Attempts attempts, ClientResponse client, List<Candidate> candidates) {
    this.budgets = budgets;
    this.breakers = breakers;
    this.attempts = attempts;
    this.client = client;
    this.candidates = candidates;
  }

  /** @param index the first candidate that may continue it */
  Future<AttemptResult> from(int index, AttemptResult broken) {
    GatewayError original = broken.errorAfterCommit();
    if (index >= candidates.size() || client.gone()) {
      return endWith(original, broken);
    }
    Candidate candidate = candidates.get(index);
    Deployment deployment = candidate.deployment();
    if (!breakers.allows(deployment.id())) {
      return from(index + 1, broken);
    }
    return budgets.reserve(deployment.id(), deployment.limits(), candidate.reserveTokens()).compose(answer -> {
      if (!(answer instanceof ReserveResult.Granted granted)) {
        return from(index + 1, broken);
      }
      ContinuationTranslator translator;
      try {
        translator = ContinuationTranslator.create(requestOf(broken, candidate), deployment.config(), broken.continueFrom(), original,
            broken.filter());
      } catch (GatewayException untranslatable) {
        budgets.settle(granted.reservation(), 0);
        return from(index + 1, broken);
      }
      return attempts.continueWith(candidate, translator, granted).recover(failure -> endWith(original, broken));
    });
  }

  /**
   * The request the broken answer was for: a task call is continued with the rendering (the variant) that answer
   * came from, whatever family continues it, so the text goes on as it began and one post-processing run covers both.
   */
  private ChatRequest requestOf(AttemptResult broken, Candidate next) {
    return candidates.stream().filter(c -> c.deployment() == broken.deployment()).map(Candidate::request).findFirst()
        .orElse(next.request());
  }

  private Future<AttemptResult> endWith(GatewayError original, AttemptResult broken) {
    client.endWithError(original);
    return Future.succeededFuture(new AttemptResult(broken.deployment(), broken.usage(), original));
  }
}
