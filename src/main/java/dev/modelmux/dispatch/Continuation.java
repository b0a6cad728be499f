package dev.modelmux.dispatch;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.exchange.Exchange;
import dev.modelmux.routing.CandidatePlanner.Candidate;
import dev.modelmux.translate.ContinuationTranslator;
import dev.modelmux.upstream.AttemptResult;
import io.vertx.core.Future;
import java.util.List;

/**
 * A text stream broke after the client had part of it and the route continues failed streams: the next candidate
 * that has room continues it into the same client stream. If it cannot (diverges, fails, refuses the request), the
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
    if (index >= candidates.size() || client.gone()) {
      return endWith(broken.errorAfterCommit(), broken);
    }
    Candidate candidate = candidates.get(index);
    return on(index, candidate, broken, candidate.deployment().prefill().takesPrefill());
  }

  /**
   * The continuation on one candidate, with the text so far as a prefill or by replay. A prefill refused before any
   * content (a 400 invalid request: the newest Claude models take none) is retried on the same candidate by replay;
   * once that replay has answered, the deployment is known to take no prefill and later continuations replay at once.
   */
  private Future<AttemptResult> on(int index, Candidate candidate, AttemptResult broken, boolean prefill) {
    GatewayError original = broken.errorAfterCommit();
    return admission.admit(candidate, c -> ContinuationTranslator.create(requestOf(broken, c), c.deployment().config(),
        broken.continueFrom(), original, broken.filter(), prefill)).compose(admitted -> {
      if (!(admitted instanceof Admission.Admitted go)) {
        return from(index + 1, broken);
      }
      return attempts.continueWith(go).recover(failure -> {
        if (prefill && refusedBeforeContent(failure) && !client.gone()) {
          return on(index, candidate, broken, false).onSuccess(replayed -> {
            // It answered the same conversation without the prefill: the prefill was what it refused.
            if (replayed.errorAfterCommit() == null && replayed.deployment() == candidate.deployment()) {
              candidate.deployment().prefill().refused();
            }
          });
        }
        return endWith(original, broken);
      });
    });
  }

  /** The provider refused the request itself (HTTP 400), before any content: for a prefill, most likely the prefill. */
  private static boolean refusedBeforeContent(Throwable failure) {
    return failure instanceof GatewayException e && e.error().status() == 400 && e.error().kind() == ErrorKind.INVALID_REQUEST;
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
