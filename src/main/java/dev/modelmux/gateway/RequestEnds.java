package dev.modelmux.gateway;

import dev.modelmux.budget.Reservation;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.Usage;
import dev.modelmux.dispatch.PromptFilters;
import dev.modelmux.dispatch.Shared;
import dev.modelmux.exchange.Exchange;
import dev.modelmux.exchange.RequestSpans;
import dev.modelmux.metrics.GenAiMeters;
import dev.modelmux.metrics.RouteMeters;
import dev.modelmux.routing.Deployment;
import dev.modelmux.routing.Route;
import dev.modelmux.routing.RouteTable;
import dev.modelmux.upstream.AttemptResult;
import java.util.Locale;

/**
 * A request's end, told to everything that counts it: the access log, the route's meters (or the unrouted ones), the
 * client key's account, the interaction log (when the request was sampled) and the GenAI conventions' meters.
 */
final class RequestEnds {
  private final RouteTable routes;
  private final RouteMeters unrouted;
  private final KeyAccounts keys;
  private final GenAiMeters genAi;

  RequestEnds(Shared shared, KeyAccounts keys) {
    this.routes = shared.routes();
    this.unrouted = shared.metrics().unrouted();
    this.keys = keys;
    this.genAi = shared.metrics().genAi();
  }

  /** Refused before any deployment was tried (no route serves the model, a blocking guard found a secret). */
  void refused(Exchange exchange, int status, String outcome, String unroutedOutcome, Recording recording) {
    AccessLog.log(exchange, status, Usage.UNKNOWN, elapsedMs(exchange), outcome);
    unrouted.request(unroutedOutcome);
    keys.finished(exchange.clientKeyId(), null, exchange.bill(), outcome);
    recording.ended(status, outcome, null);
  }

  /** Answered (an error after the commit ends the stream in-band, as {@code failed_mid_stream}). */
  void answered(Exchange exchange, Route route, Reservation keyHold, AttemptResult result, Recording recording) {
    String outcome = result.errorAfterCommit() == null ? "ok" : "failed_mid_stream";
    AccessLog.log(exchange, 200, result.usage(), elapsedMs(exchange), outcome);
    route.meters().request(outcome);
    keys.finished(exchange.clientKeyId(), keyHold, exchange.bill(), outcome);
    recording.ended(200, outcome, PromptFilters.raw(result));
    genAi(exchange, route, result.errorAfterCommit(), result.usage().promptTokens(), result.usage().completionTokens());
  }

  /**
   * Failed: the client had the error (or, its stream committed, the error in-band).
   *
   * @param keyRefused whether the key's own limits refused it, before any deployment
   */
  void failed(Exchange exchange, Route route, Reservation keyHold, boolean keyRefused, GatewayError error, int status,
      Recording recording) {
    String outcome = exchange.response().shutDown() ? "shutdown" : exchange.response().stalled() ? "client_stalled"
        : exchange.response().gone() ? "client_gone" : "error";
    AccessLog.log(exchange, status, Usage.UNKNOWN, elapsedMs(exchange), outcome);
    route.meters().request(outcome);
    keys.finished(exchange.clientKeyId(), keyHold, exchange.bill(), keyRefused ? "key_refused" : outcome);
    recording.ended(exchange.response().committed() ? 200 : status, outcome, null);
    genAi(exchange, route, error, exchange.bill().promptTokens(), exchange.bill().completionTokens());
  }

  private void genAi(Exchange exchange, Route route, GatewayError error, long promptTokens, long completionTokens) {
    Deployment answered = exchange.deploymentId() == null ? null : routes.deployment(exchange.deploymentId());
    genAi.request(answered == null ? null : RequestSpans.provider(answered), route.name(), answered == null ? null : answered.config().model(),
        error == null ? null : error.kind().name().toLowerCase(Locale.ROOT), promptTokens, completionTokens, exchange.ttftMs(),
        elapsedMs(exchange), exchange.request().stream());
  }

  private static long elapsedMs(Exchange exchange) {
    return (System.nanoTime() - exchange.startNanos()) / 1_000_000;
  }
}
