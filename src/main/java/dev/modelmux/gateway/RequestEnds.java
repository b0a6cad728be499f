package dev.modelmux.gateway;

import dev.modelmux.budget.Reservation;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.InteractionSink;
import dev.modelmux.core.Usage;
import dev.modelmux.metrics.GenAiMeters;
import dev.modelmux.metrics.RouteMeters;
import dev.modelmux.routing.Deployment;
import dev.modelmux.routing.Route;
import dev.modelmux.routing.RouteTable;
import java.util.Locale;

/**
 * A request's end, told to everything that counts it: the access log, the route's meters (or the unrouted ones), the
 * client key's account, the interaction log (when the request was sampled) and the GenAI conventions' meters.
 */
final class RequestEnds {
  private final RouteTable routes;
  private final RouteMeters unrouted;
  private final KeyAccounts keys;
  private final InteractionSink interactions;
  private final GenAiMeters genAi;

  /**
   * @param interactions where sampled requests are recorded, or null for nowhere
   * @param genAi the GenAI conventions' request metrics, or null
   */
  RequestEnds(RouteTable routes, RouteMeters unrouted, KeyAccounts keys, InteractionSink interactions, GenAiMeters genAi) {
    this.routes = routes;
    this.unrouted = unrouted;
    this.keys = keys;
    this.interactions = interactions;
    this.genAi = genAi;
  }

  /**
   * Refused before any deployment was tried (no route serves the model, a blocking guard found a secret).
   *
   * @param recording the request's recording, or null when it was not sampled
   */
  void refused(ClientChannel client, int status, String outcome, String unroutedOutcome, Recording recording, long startNanos) {
    AccessLog.log(client, status, Usage.UNKNOWN, elapsedMs(startNanos), outcome);
    unrouted.request(unroutedOutcome);
    keys.finished(client.clientKeyId(), null, client, outcome);
    if (recording != null) {
      interactions.record(recording.of(status, outcome, null));
    }
  }

  /** Answered (an error after the commit ends the stream in-band, as {@code failed_mid_stream}). */
  void answered(ClientChannel client, Route route, Reservation keyHold, AttemptResult result, Recording recording, long startNanos) {
    String outcome = result.errorAfterCommit() == null ? "ok" : "failed_mid_stream";
    AccessLog.log(client, 200, result.usage(), elapsedMs(startNanos), outcome);
    route.meters().request(outcome);
    keys.finished(client.clientKeyId(), keyHold, client, outcome);
    if (recording != null) {
      interactions.record(recording.of(200, outcome, PromptFilters.raw(result)));
    }
    genAi(client, route, result.errorAfterCommit(), result.usage().promptTokens(), result.usage().completionTokens(), startNanos);
  }

  /**
   * Failed: the client had the error (or, its stream committed, the error in-band).
   *
   * @param keyRefused whether the key's own limits refused it, before any deployment
   */
  void failed(ClientChannel client, Route route, Reservation keyHold, boolean keyRefused, GatewayError error, int status,
      Recording recording, long startNanos) {
    String outcome = client.shutDown() ? "shutdown" : client.stalled() ? "client_stalled" : client.gone() ? "client_gone" : "error";
    AccessLog.log(client, status, Usage.UNKNOWN, elapsedMs(startNanos), outcome);
    route.meters().request(outcome);
    keys.finished(client.clientKeyId(), keyHold, client, keyRefused ? "key_refused" : outcome);
    if (recording != null) {
      interactions.record(recording.of(client.committed() ? 200 : status, outcome, null));
    }
    genAi(client, route, error, client.promptTokensBilled(), client.completionTokensBilled(), startNanos);
  }

  private void genAi(ClientChannel client, Route route, GatewayError error, long promptTokens, long completionTokens, long startNanos) {
    if (genAi == null) {
      return;
    }
    Deployment answered = client.deploymentId() == null ? null : routes.deployment(client.deploymentId());
    genAi.request(answered == null ? null : RequestSpans.provider(answered), route.name(), answered == null ? null : answered.config().model(),
        error == null ? null : error.kind().name().toLowerCase(Locale.ROOT), promptTokens, completionTokens, client.ttftMs(),
        elapsedMs(startNanos), client.request().stream());
  }

  private static long elapsedMs(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
