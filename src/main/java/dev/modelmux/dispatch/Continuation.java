package dev.modelmux.dispatch;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.GatewayError;
import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.exchange.Exchange;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.translate.ContinuationTranslator;
import dev.modelmux.upstream.AttemptResult;
import io.vertx.core.Future;
import java.util.List;

/**
 * A text stream broke after the client had part of it and the route continues failed streams: the next candidate
 * that has room continues it into the same client stream. If it cannot (rejects the prefill, diverges, fails), the
 * stream ends with the original error, never with the continuation's.
 */
final class Continuation {
  private final Admission admission;
  private final Attempts attempts;
  private final ClientResponse client;
  private final List<Candidate> candidates;

  Continuation(Admission admission, Attempts attempts, Exchange exchange, List<Candidate> candidates) {
    this.admission = admission;
    this.attempts = attempts;
    this.client = exchange.response();
    this.candidates = candidates;
  }

  /** @param index the first candidate that may continue it */
  Future<AttemptResult> from(int index, AttemptResult broken) {
    GatewayError original = broken.errorAfterCommit();
    if (index >= candidates.size() || client.gone()) {
      return endWith(original, broken);
    }
    Candidate candidate = candidates.get(index);
    return admission.admit(candidate, c -> ContinuationTranslator.create(requestOf(broken, c), c.deployment().config(),
        broken.continueFrom(), original, broken.filter())).compose(admitted -> {
      if (!(admitted instanceof Admission.Admitted go)) {
        return from(index + 1, broken);
      }
      return attempts.continueWith(candidate, go.translator(), go.granted()).recover(failure -> endWith(original, broken));
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
