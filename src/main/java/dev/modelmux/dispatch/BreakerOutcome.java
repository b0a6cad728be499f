package dev.modelmux.dispatch;

import dev.modelmux.breaker.Breakers;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.upstream.AttemptResult;
import io.vertx.core.AsyncResult;

/**
 * What an attempt's end says about its provider. A failure of the provider (5xx, overload, timeouts, connection
 * errors, answers it could not read, a stream that died) counts against it; an answer, even one the client's own
 * request made an error, counts for it; a lost hedge, a client that left, an exhausted quota (paused instead), a
 * wait for a pooled connection (local saturation) or a fault of the gateway's own say nothing.
 */
final class BreakerOutcome {
  private BreakerOutcome() {}

  static void tell(Breakers.Call call, AsyncResult<AttemptResult> outcome) {
    if (outcome.succeeded()) {
      GatewayError broken = outcome.result().errorAfterCommit();
      if (broken != null && Breakers.saysProviderIsUnwell(broken)) {
        call.failed(broken);
      } else {
        call.succeeded();
      }
      return;
    }
    if (!(outcome.cause() instanceof GatewayException e)) {
      call.neutral(); // a hedge that lost the race, or the gateway's own fault
      return;
    }
    GatewayError error = e.error();
    if (error.status() == ClientResponse.CLIENT_GONE || error.kind() == ErrorKind.QUOTA_EXCEEDED || error.kind() == ErrorKind.INTERNAL
        || error.kind() == ErrorKind.SATURATED) {
      call.neutral();
    } else if (Breakers.saysProviderIsUnwell(error)) {
      call.failed(error);
    } else {
      call.succeeded();
    }
  }
}
